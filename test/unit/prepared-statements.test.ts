import { PREPARED, statementName } from '../../src/platform/db/prepared';

describe('statement names for the driver adapter', () => {
  it('names only marked statements, one name per text', () => {
    expect(statementName({ sql: 'SELECT 1' })).toBe('');
    expect(statementName({ sql: `SELECT 1 ${PREPARED}` })).toBe(''); // the mark must open the statement
    const a = statementName({ sql: `${PREPARED} SELECT $1::int` });
    const b = statementName({ sql: `${PREPARED} SELECT $1::bigint` });
    expect(a).toMatch(/^prepared_[0-9a-f]{20}$/);
    expect(b).toMatch(/^prepared_[0-9a-f]{20}$/);
    expect(a).not.toBe(b);
    expect(statementName({ sql: `${PREPARED} SELECT $1::int` })).toBe(a);
  });
});
