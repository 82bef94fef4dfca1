import { createHash } from 'node:crypto';

/**
 * Starts a raw statement (`db.$queryRaw\`${Prisma.raw(PREPARED)} ...\``) that PostgreSQL should parse and plan
 * once per connection instead of on every call. Prisma's driver adapter sends each statement unnamed, so
 * PostgreSQL parses, analyses and plans it again every time: for the ledger's debit (an UPDATE and an INSERT
 * chained in a CTE) that cost about as much PostgreSQL CPU as executing it. A marked statement gets a name, and
 * node-postgres prepares it on a connection the first time, then only binds and executes it, inside transactions
 * as well as outside.
 *
 * For hot statements with fixed text only: each stays prepared on every pooled connection for the connection's
 * life (unmarked statements never are, so the marked call sites bound how many there are). A statement pooler in
 * transaction mode between the gateway and PostgreSQL would need its prepared-statement support turned on.
 */
export const PREPARED = '/* prepared */';

const names = new Map<string, string>();

/** The adapter's statement name for `sql`: '' (unnamed, pg's default) unless it is marked. */
export function statementName(query: { sql: string }): string {
  const { sql } = query;
  if (!sql.startsWith(PREPARED)) return '';
  let name = names.get(sql);
  if (!name) {
    // Named by its text: two marked statements can never share a name (pg refuses one name for two texts).
    name = `prepared_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`;
    names.set(sql, name);
  }
  return name;
}
