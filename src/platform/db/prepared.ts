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

/**
 * Starts a statement whose text varies with what the caller asks (a list page reads only the columns the
 * selection shows, and filters add conditions), so marking every text PREPARED could leave hundreds prepared on
 * each connection. A text so marked is prepared once it has run HOT_AFTER times in this process, and at most
 * MAX_HOT such texts ever are: the few shapes a dashboard polls get planned once per connection, a shape seen
 * once or twice is sent unnamed as before.
 */
export const PREPARED_WHEN_HOT = '/* prepared when hot */';
export const HOT_AFTER = 3;
export const MAX_HOT = 32;
/** Run counts kept for texts not yet hot; past this many the counts start again (bounded memory). */
const MAX_COUNTED = 1_000;

const names = new Map<string, string>();
const runs = new Map<string, number>();
let hotTexts = 0;

/** The adapter's statement name for `sql`: '' (unnamed, pg's default) unless it is marked. */
export function statementName(query: { sql: string }): string {
  const { sql } = query;
  if (!sql.startsWith('/* prepared')) return '';
  if (sql.startsWith(PREPARED)) return nameOf(sql);
  if (sql.startsWith(PREPARED_WHEN_HOT)) return hotName(sql);
  return '';
}

function hotName(sql: string): string {
  if (names.has(sql)) return names.get(sql)!;
  if (hotTexts >= MAX_HOT) return '';
  const seen = (runs.get(sql) ?? 0) + 1;
  if (seen < HOT_AFTER) {
    if (runs.size >= MAX_COUNTED) runs.clear();
    runs.set(sql, seen);
    return '';
  }
  runs.delete(sql);
  hotTexts += 1;
  return nameOf(sql);
}

function nameOf(sql: string): string {
  let name = names.get(sql);
  if (!name) {
    // Named by its text: two marked statements can never share a name (pg refuses one name for two texts).
    name = `prepared_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`;
    names.set(sql, name);
  }
  return name;
}
