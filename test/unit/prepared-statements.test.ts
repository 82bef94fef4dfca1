import { HOT_AFTER, MAX_HOT, PREPARED, PREPARED_WHEN_HOT, statementName } from '../../src/platform/db/prepared';

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

  it('names a text marked PREPARED_WHEN_HOT from its HOT_AFTER-th run on, and at most MAX_HOT such texts', () => {
    const text = (i: number) => `${PREPARED_WHEN_HOT} SELECT ${i} + $1::int`;
    const namesOf = (i: number, times: number) => Array.from({ length: times }, () => statementName({ sql: text(i) }));
    const first = namesOf(0, HOT_AFTER + 2);
    expect(first.slice(0, HOT_AFTER - 1)).toEqual(Array(HOT_AFTER - 1).fill(''));
    expect(first[HOT_AFTER - 1]).toMatch(/^prepared_[0-9a-f]{20}$/);
    expect(new Set(first.slice(HOT_AFTER - 1)).size).toBe(1);
    // Texts seen fewer times stay unnamed, whatever else is hot.
    expect(namesOf(1, HOT_AFTER - 1)).toEqual(Array(HOT_AFTER - 1).fill(''));
    for (let i = 2; i <= MAX_HOT; i++) expect(namesOf(i, HOT_AFTER).at(-1)).not.toBe('');
    // MAX_HOT texts are hot now (0, 2…MAX_HOT): one more never gets a name; those already named keep theirs.
    expect(namesOf(MAX_HOT + 1, HOT_AFTER * 2)).toEqual(Array(HOT_AFTER * 2).fill(''));
    expect(namesOf(1, 1)).toEqual(['']);
    expect(namesOf(0, 1)).toEqual([first[HOT_AFTER - 1]]);
  });
});
