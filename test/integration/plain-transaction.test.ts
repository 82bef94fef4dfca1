import { randomUUID } from 'node:crypto';
import { createPrismaClient, Prisma, PrismaClient } from '../../src/platform/db/client';
import { inPlainTransaction } from '../../src/platform/db/plain-transaction';
import { afterCommit, inTransaction, isInTransaction } from '../../src/platform/db/transaction';
import { testDatabaseUrl } from '../helpers/database';

// A call's move on runs its raw statements in a transaction on a plain connection (platform/db/plain-transaction.ts).
// Code written against a Prisma transaction runs in it unchanged, so it must behave as one: the same typed rows,
// all or nothing, hooks after the commit only, and a clear refusal of what it does not offer.

let db: PrismaClient;
const statements: string[] = [];
const table = `plain_tx_${randomUUID().replace(/-/g, '').slice(0, 12)}`;

beforeAll(async () => {
  db = createPrismaClient({ url: await testDatabaseUrl(), poolSize: 2, onQuery: (sql) => void statements.push(sql) });
  await db.$executeRawUnsafe(`CREATE TABLE ${table} (id int PRIMARY KEY, cents bigint NOT NULL, at timestamptz NOT NULL, tags text[] NOT NULL, doc jsonb)`);
});
afterAll(async () => {
  await db.$executeRawUnsafe(`DROP TABLE IF EXISTS ${table}`);
  await db.$disconnect();
});

const insert = (id: number, cents: bigint) =>
  Prisma.sql`INSERT INTO ${Prisma.raw(table)} (id, cents, at, tags, doc) VALUES (${id}, ${cents}, ${new Date('2026-11-23T10:00:00.123Z')}::timestamptz, ${['a', 'b']}, ${JSON.stringify({ n: 1 })}::jsonb) RETURNING *`;

it('commits raw statements and types their rows as a Prisma transaction does', async () => {
  const plain = await inPlainTransaction(db, async (tx) => {
    expect(isInTransaction(tx)).toBe(true);
    return tx.$queryRaw<Record<string, unknown>[]>(insert(1, 9_007_199_254_740_993n));
  });
  const viaPrisma = await inTransaction(db, (tx) => tx.$queryRaw<Record<string, unknown>[]>(insert(2, 9_007_199_254_740_993n)));
  expect({ ...plain[0], id: 0 }).toEqual({ ...viaPrisma[0], id: 0 });
  expect(plain[0]).toEqual({ id: 1, cents: 9_007_199_254_740_993n, at: new Date('2026-11-23T10:00:00.123Z'), tags: ['a', 'b'], doc: { n: 1 } });
  // Tagged templates, $executeRaw and the Unsafe forms, as the client offers them.
  const counted = await inPlainTransaction(db, async (tx) => {
    const changed = await tx.$executeRaw`UPDATE ${Prisma.raw(table)} SET cents = cents + ${1n} WHERE id = ${1}`;
    const [row] = await tx.$queryRawUnsafe<{ cents: bigint }[]>(`SELECT cents FROM ${table} WHERE id = $1`, 1);
    return { changed, cents: row.cents, removed: await tx.$executeRawUnsafe(`DELETE FROM ${table} WHERE id = $1`, 2) };
  });
  expect(counted).toEqual({ changed: 1, cents: 9_007_199_254_740_994n, removed: 1 });
});

it('is all or nothing, and its after-commit hooks run only once it has committed', async () => {
  const heard: string[] = [];
  await expect(
    inPlainTransaction(db, async (tx) => {
      await tx.$queryRaw(insert(3, 1n));
      afterCommit(tx, () => heard.push('rolled back'));
      throw new Error('boom');
    }),
  ).rejects.toThrow('boom');
  expect(await db.$queryRawUnsafe(`SELECT id FROM ${table} WHERE id = 3`)).toEqual([]);

  let hookDone!: (rows: unknown[]) => void;
  const committedWhenHeard = new Promise<unknown[]>((resolve) => (hookDone = resolve));
  await inPlainTransaction(db, async (tx) => {
    await tx.$queryRaw(insert(4, 1n));
    afterCommit(tx, async () => {
      heard.push('committed');
      hookDone(await db.$queryRawUnsafe(`SELECT id FROM ${table} WHERE id = 4`));
    });
    expect(heard).toEqual([]);
  });
  expect(await committedWhenHeard).toEqual([{ id: 4 }]);
  expect(heard).toEqual(['committed']); // and never the rolled-back one's
  // A failed statement (a duplicate key) rolls back and gives its connection back clean.
  await expect(inPlainTransaction(db, (tx) => tx.$queryRaw(insert(4, 1n)))).rejects.toMatchObject({ code: '23505' });
  for (let i = 0; i < 4; i++) expect(await inPlainTransaction(db, (tx) => tx.$queryRawUnsafe<{ n: number }[]>('SELECT 1 AS n'))).toEqual([{ n: 1 }]);
});

it('runs work that needs a model query again, from the start, in an ordinary transaction', async () => {
  const runs: boolean[] = [];
  const heard: string[] = [];
  const tenants = await inPlainTransaction(db, async (tx) => {
    runs.push(isInTransaction(tx));
    await tx.$queryRaw(insert(6, 1n));
    afterCommit(tx, () => heard.push(`run ${runs.length}`));
    // Even a refusal the work swallows must not let the plain transaction commit half of it.
    const found = await Promise.resolve()
      .then(() => tx.tenant.count())
      .catch(() => -1);
    return found;
  });
  expect(runs).toEqual([true, true]);
  expect(tenants).toBeGreaterThanOrEqual(0);
  expect(await db.$queryRawUnsafe(`SELECT id FROM ${table} WHERE id = 6`)).toEqual([{ id: 6 }]);
  await new Promise((r) => setTimeout(r, 50));
  expect(heard).toEqual(['run 2']);
});

it('inside another transaction joins it', async () => {
  // Inside a Prisma transaction it is that transaction (a rollback takes its writes too).
  await expect(
    inTransaction(db, async (outer) => {
      await inPlainTransaction(outer, async (tx) => {
        expect(tx).toBe(outer);
        await tx.$queryRaw(insert(5, 1n));
      });
      throw new Error('outer fails');
    }),
  ).rejects.toThrow('outer fails');
  expect(await db.$queryRawUnsafe(`SELECT id FROM ${table} WHERE id = 5`)).toEqual([]);
});

it('bounds its statements and its idle time, as the client’s transaction timeout did, for itself only', async () => {
  const settings = await inPlainTransaction(db, (tx) =>
    tx.$queryRawUnsafe<{ statement: string; idle: string }[]>("SELECT current_setting('statement_timeout') AS statement, current_setting('idle_in_transaction_session_timeout') AS idle"),
  );
  expect(settings).toEqual([{ statement: '15s', idle: '15s' }]);
  // A statement past the bound is cancelled (here a shorter one, set the same way), and nothing of it commits.
  await expect(
    inPlainTransaction(db, async (tx) => {
      await tx.$queryRaw(insert(7, 1n));
      await tx.$executeRawUnsafe('SET LOCAL statement_timeout = 50');
      await tx.$queryRawUnsafe('SELECT pg_sleep(1)');
    }),
  ).rejects.toMatchObject({ code: '57014' });
  expect(await db.$queryRawUnsafe(`SELECT id FROM ${table} WHERE id = 7`)).toEqual([]);
  // SET LOCAL ends with the transaction: the pooled connection goes back with the server's defaults.
  const after = await db.$queryRawUnsafe<{ statement: string }[]>("SELECT current_setting('statement_timeout') AS statement");
  expect(after[0].statement).not.toBe('15s');
});

it('survives the server dropping its connection mid-transaction (a restart): the work fails, the process does not', async () => {
  const other = createPrismaClient({ url: await testDatabaseUrl(), poolSize: 1 });
  try {
    await expect(
      inPlainTransaction(db, async (tx) => {
        await tx.$queryRaw(insert(8, 1n));
        const [{ pid }] = await tx.$queryRawUnsafe<{ pid: number }[]>('SELECT pg_backend_pid() AS pid');
        await other.$queryRawUnsafe('SELECT pg_terminate_backend($1::int)', pid);
        await new Promise((r) => setTimeout(r, 100)); // the connection's 'error' arrives while it is checked out
        await tx.$queryRawUnsafe('SELECT 1');
      }),
    ).rejects.toThrow();
  } finally {
    await other.$disconnect();
  }
  expect(await db.$queryRawUnsafe(`SELECT id FROM ${table} WHERE id = 8`)).toEqual([]);
  for (let i = 0; i < 3; i++) expect(await inPlainTransaction(db, (tx) => tx.$queryRawUnsafe<{ n: number }[]>('SELECT 1 AS n'))).toEqual([{ n: 1 }]);
});

it('counts its statements, the commit included, with the client’s counter', async () => {
  const before = statements.length;
  await inPlainTransaction(db, async (tx) => {
    await tx.$queryRawUnsafe('SELECT 1');
    await tx.$queryRawUnsafe('SELECT 2');
  });
  expect(statements.slice(before)).toEqual(['SELECT 1', 'SELECT 2', 'COMMIT']);
});
