import pino from 'pino';
import { Client } from 'pg';
import { LISTENER_APPLICATION_NAME, NoticeListener, startNoticeListener } from '../../src/platform/db/listener';
import { testDatabaseUrl } from '../helpers/database';

// The instance's notice listener on a real PostgreSQL: notices arrive at commit and never for a rollback; a killed
// connection is replaced, and since what was sent meanwhile is lost, the handlers are told it listens again.

describe('database notice listener', () => {
  let url: string;
  let db: Client;
  let listener: NoticeListener | undefined;
  const received: { channel: string; payload: unknown }[] = [];
  let listening = 0;

  beforeAll(async () => {
    url = await testDatabaseUrl();
    db = new Client({ connectionString: url });
    await db.connect();
  });
  afterEach(async () => {
    await listener?.stop();
    listener = undefined;
    received.length = 0;
    listening = 0;
  });
  afterAll(() => db.end());

  const start = (minDelayMs: number) => {
    listener = startNoticeListener({ url, logger: pino({ level: 'silent' }), minDelayMs });
    listener.add({ notice: (channel, payload) => void received.push({ channel, payload }), listening: () => void listening++ });
    return listener.ready;
  };
  const pids = async () =>
    (await db.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()`, [LISTENER_APPLICATION_NAME])).rows.map((r) => r.pid);
  const until = async (cond: () => boolean | Promise<boolean>, ms = 10_000) => {
    const deadline = Date.now() + ms;
    while (!(await cond())) {
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const notify = (payload: object) => db.query(`SELECT pg_notify('voepy_api_key_revoked', $1)`, [JSON.stringify(payload)]);

  it('delivers a notice when its transaction commits, and none for one rolled back', async () => {
    await start(100);
    expect(listening).toBe(1);
    await db.query('BEGIN');
    await notify({ tenantId: 't', keyId: 'rolled-back' });
    await db.query('ROLLBACK');
    await db.query('BEGIN');
    await notify({ tenantId: 't', keyId: 'committed' });
    await new Promise((r) => setTimeout(r, 200));
    expect(received).toEqual([]); // not before the commit
    await db.query('COMMIT');
    await until(() => received.length === 1);
    await new Promise((r) => setTimeout(r, 200));
    expect(received).toEqual([{ channel: 'voepy_api_key_revoked', payload: { tenantId: 't', keyId: 'committed' } }]);
  });

  it('killed with pg_terminate_backend: a notice sent while it is away is lost, it connects again, says so, and receives the next', async () => {
    await start(5000); // a wide gap to send a notice into, even on a loaded machine
    const [pid] = await pids();
    expect(pid).toBeDefined();
    await db.query('SELECT pg_terminate_backend($1)', [pid]);
    await until(async () => (await pids()).length === 0);
    await notify({ tenantId: 't', keyId: 'while-away' });
    await until(() => listening === 2);
    const [again] = await pids();
    expect(again).not.toBe(pid);
    await notify({ tenantId: 't', keyId: 'after' });
    await until(() => received.length === 1);
    expect(received).toEqual([{ channel: 'voepy_api_key_revoked', payload: { tenantId: 't', keyId: 'after' } }]);
  });

  it('stop closes its connection and it does not come back', async () => {
    await start(100);
    expect(await pids()).toHaveLength(1);
    await listener!.stop();
    await until(async () => (await pids()).length === 0);
    await new Promise((r) => setTimeout(r, 400));
    expect(await pids()).toEqual([]);
  });
});
