import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface StartupResult {
  /** Milliseconds from spawning `node dist/src/main.js` to its "running" banner. */
  readyMs: number;
  /** Resident memory after a short idle, MiB. */
  idleRssMiB: number;
}

/**
 * One start of the gateway on an embedded database that is already initialised (DATA_DIR from an earlier
 * start), as `npm start` does after the first time; then its RSS once idle.
 */
export function measureStartup(mainJs: string, dataDir: string): Promise<StartupResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn', BILLING_SCHEDULER: 'off' };
    delete env.DATABASE_URL;
    const child = spawn(process.execPath, [mainJs], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    let readyMs: number | undefined;
    child.stdout!.on('data', (d) => {
      out += d;
      if (readyMs === undefined && out.includes('voepy gateway is running')) {
        readyMs = performance.now() - started;
        setTimeout(() => {
          const rss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
          child.once('exit', () => resolve({ readyMs: readyMs!, idleRssMiB: rss }));
          child.kill('SIGTERM');
        }, 3_000);
      }
    });
    child.on('exit', (code) => {
      if (readyMs === undefined) reject(new Error(`the gateway exited with ${code} before it was ready: ${out}`));
    });
  });
}
