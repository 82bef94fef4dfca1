import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort, sleep } from './support';

// PostgreSQL and Redis servers of a test's own, on free loopback ports, that the test may stop and start at
// will. The machine's shared servers are never touched: other runs use them.

const PG_BIN_ROOT = '/usr/lib/postgresql';

function pgBin(name: string): string {
  if (process.env.PG_BIN_DIR) return join(process.env.PG_BIN_DIR, name);
  const versions = existsSync(PG_BIN_ROOT) ? readdirSync(PG_BIN_ROOT).filter((v) => existsSync(join(PG_BIN_ROOT, v, 'bin', name))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) throw new Error(`no PostgreSQL server binaries under ${PG_BIN_ROOT} (install postgresql, or set PG_BIN_DIR)`);
  return join(PG_BIN_ROOT, newest, 'bin', name);
}

/** PostgreSQL refuses to run as root: then it runs as the `postgres` system user. */
function asPostgres(cmd: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
}

export interface OwnPostgres {
  /** postgresql:// URL of its `postgres` database (trust auth, loopback only). */
  url: string;
  port: number;
  /** `fast`: sessions are terminated (57P01), as in a restart; `immediate`: as in a crash. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  /** Stops it and removes its files. */
  destroy(): Promise<void>;
}

export async function startOwnPostgres(): Promise<OwnPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'voepy-chaos-pg-'));
  const dataDir = join(dir, 'data');
  if (process.getuid?.() === 0) {
    const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres']).toString().trim());
    chownSync(dir, id('-u'), id('-g'));
  }
  const run = (cmd: string, args: string[]) => {
    const [c, a] = asPostgres(pgBin(cmd), args);
    execFileSync(c, a, { stdio: 'pipe' });
  };
  run('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C']);
  const port = await freePort();
  const pg: OwnPostgres = {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    port,
    async start() {
      run('pg_ctl', ['-D', dataDir, '-l', join(dir, 'log'), '-w', '-t', '60', '-o', `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off -c max_connections=100`, 'start']);
      await waitForPostgres(pg.url);
    },
    async stop(mode = 'fast') {
      run('pg_ctl', ['-D', dataDir, '-w', '-t', '60', '-m', mode, 'stop']);
    },
    async destroy() {
      if (existsSync(join(dataDir, 'postmaster.pid'))) await pg.stop('immediate').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await pg.start();
  return pg;
}

async function waitForPostgres(url: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const client = new Client({ connectionString: url });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.end();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(100);
    }
  }
}

export interface OwnRedis {
  url: string;
  port: number;
  start(): Promise<void>;
  /** SIGKILL: gone at once, as in a crash. */
  kill(): Promise<void>;
}

export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const redis: OwnRedis = {
    url: `redis://127.0.0.1:${port}`,
    port,
    async start() {
      child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
      const deadline = Date.now() + 10_000;
      while (!(await redisAnswers(port))) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`redis-server did not start on port ${port}`);
        await sleep(50);
      }
    },
    async kill() {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGKILL');
      await exited;
    },
  };
  await redis.start();
  return redis;
}

async function redisAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.setTimeout(500);
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
    socket.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
    socket.once('data', (d) => {
      socket.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
  });
}
