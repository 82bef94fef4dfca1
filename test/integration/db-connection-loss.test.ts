import { createPrismaClient, PrismaClient } from '../../src/platform/db/client';
import { sqlOf } from '../../src/platform/db/sql';
import { testDatabaseUrl } from '../helpers/database';
import { waitFor } from '../helpers/wait';

// A pool connection cut by the server (PostgreSQL restarting, an administrator's pg_terminate_backend) while it is
// checked out but between uses: nobody listens on it just then, and an 'error' event without a listener would end
// the gateway. The pool keeps one on every connection; the cut connection only fails its next statement.

let prisma: PrismaClient;
beforeAll(async () => {
  prisma = createPrismaClient({ url: await testDatabaseUrl(), poolSize: 3 });
});
afterAll(() => prisma.$disconnect());

it('a checked-out connection cut between statements fails its next statement, and the process goes on', async () => {
  const sql = sqlOf(prisma)!;
  const client = await sql.connect();
  const [{ pid }] = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows;
  // Cut from elsewhere while the client sits checked out with no statement running.
  const errors: Error[] = [];
  const uncaught = (err: Error) => void errors.push(err);
  process.on('uncaughtException', uncaught);
  try {
    await prisma.$queryRawUnsafe('SELECT pg_terminate_backend($1::int)', pid);
    // The server has ended that backend, and the client has heard so (its goodbye arrives just before).
    const gone = async () => (await prisma.$queryRawUnsafe<unknown[]>('SELECT 1 FROM pg_stat_activity WHERE pid = $1::int', pid)).length === 0;
    await waitFor(gone, 5_000);
    await new Promise((r) => setTimeout(r, 100));
    await expect(client.query('SELECT 1')).rejects.toThrow();
  } finally {
    client.release(true);
    process.off('uncaughtException', uncaught);
  }
  expect(errors).toEqual([]);
  // The pool goes on with fresh connections.
  expect(await sql.rows('SELECT 1 AS n', [])).toEqual([{ n: 1 }]);
});
