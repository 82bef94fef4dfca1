import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { createPrismaClient, PrismaClient } from '../../src/platform/db/client';
import { testDatabaseUrl, truncateAll } from './database';
import { TEST_CA_FILE } from './webhook-receiver';

// The built gateway (`npm test` builds dist/ first) as a separate OS process, as production runs it: for tests
// of several instances on one database and Redis, and of a process killed with SIGKILL.
const MAIN = join(__dirname, '../../dist/src/main.js');

export interface GatewayProcess {
  child: ChildProcess;
  url: string;
  wsUrl: string;
  output(): string;
  /** SIGKILL: no shutdown hook runs, like a crash or an OOM kill. */
  kill(): Promise<void>;
  /** SIGTERM: the graceful shutdown. */
  stop(): Promise<void>;
}

/**
 * `opts.dataDir`: a data folder the caller owns and keeps (a restarted gateway finds what the killed one left
 * there); by default each process gets a temporary one, removed when it ends.
 */
export async function startGatewayProcess(databaseUrl: string, env: Record<string, string> = {}, opts: { dataDir?: string } = {}): Promise<GatewayProcess> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'voepy-gw-'));
  const child = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/root',
      DATABASE_URL: databaseUrl,
      DATA_DIR: dataDir,
      PORT: '0',
      LOG_LEVEL: 'warn',
      SEED_DEMO: 'false',
      BILLING_SCHEDULER: 'off',
      WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
      WEBHOOK_CA_FILE: TEST_CA_FILE,
      WEBHOOK_RETRY_BASE_MS: '100',
      WEBHOOK_RETRY_MAX_DELAY_MS: '400',
      JOB_POLL_INTERVAL_MS: '100',
      DATABASE_POOL_SIZE: '5',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const cleanup = () => (opts.dataDir ? undefined : rmSync(dataDir, { recursive: true, force: true }));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start banner in 60s:\n${output}`)), 60_000);
    const check = () => {
      const base = /REST \/v1\s+(http:\/\/\S+)\/v1/.exec(output)?.[1];
      if (base) {
        clearTimeout(timer);
        resolve(base);
      }
    };
    child.stdout!.on('data', check);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`gateway exited before starting:\n${output}`));
    });
  });
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
    cleanup();
  };
  return { child, url, wsUrl: `${url.replace('http', 'ws')}/graphql`, output: () => output, kill: () => end('SIGKILL'), stop: () => end('SIGTERM') };
}

/**
 * The gateway processes one test file starts over this worker's database (emptied when opened), with a small
 * Prisma client of its own to look at what they did; close() kills every process still running (SIGKILL), then
 * disconnects.
 */
export class GatewayProcesses {
  private readonly started: GatewayProcess[] = [];

  private constructor(
    readonly databaseUrl: string,
    readonly prisma: PrismaClient,
  ) {}

  static async open(): Promise<GatewayProcesses> {
    const databaseUrl = await testDatabaseUrl();
    await truncateAll(databaseUrl);
    return new GatewayProcesses(databaseUrl, createPrismaClient({ url: databaseUrl, poolSize: 3 }));
  }

  async start(env: Record<string, string> = {}, opts: { dataDir?: string } = {}): Promise<GatewayProcess> {
    const gateway = await startGatewayProcess(this.databaseUrl, env, opts);
    this.started.push(gateway);
    return gateway;
  }

  async close(): Promise<void> {
    for (const p of this.started) await p.kill();
    await this.prisma.$disconnect();
  }
}

/** Polls `probe` every `everyMs` until it gives a value (undefined: not yet); past `timeoutMs` it throws, naming `what`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A port nothing listens on now (a receiver started later, or a fixed port a restarted gateway takes again). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
