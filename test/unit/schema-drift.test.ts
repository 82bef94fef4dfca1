// Proves the drift comparison catches drift, so the integration drift test cannot pass by comparing nothing.
import { getDMMF } from '@prisma/internals';
import { compareSchema, type DbSchema, type DbTable } from '../helpers/schema-drift';

const SCHEMA = `
datasource db {
  provider = "postgresql"
}

enum Colour {
  red
  green
  @@map("colour")
}

model Shelf {
  id      String   @id @db.Uuid
  widgets Widget[]
  @@map("shelves")
}

model Widget {
  id        BigInt   @id @default(autoincrement())
  shelfId   String   @map("shelf_id") @db.Uuid
  sku       String   @unique
  note      String?
  colour    Colour   @default(red)
  tags      String[]
  createdAt DateTime @default(now()) @map("created_at") @db.Timestamptz(3)
  shelf     Shelf    @relation(fields: [shelfId], references: [id], onDelete: Cascade)
  @@index([shelfId, createdAt])
  @@map("widgets")
}
`;

/** The database the schema above describes, as readDatabaseSchema() would return it. */
function matchingDatabase(): DbSchema {
  const column = (name: string, type: string, notNull = true, hasDefault = false) => ({
    name,
    type,
    notNull,
    hasDefault,
  });
  return {
    enums: [{ name: 'colour', values: ['red', 'green'] }],
    tables: [
      {
        name: 'shelves',
        columns: [column('id', 'uuid')],
        primaryKey: ['id'],
        indexes: [{ name: 'shelves_pkey', columns: ['id'], unique: true, primary: true, partialOrExpression: false }],
        foreignKeys: [],
      },
      {
        name: 'widgets',
        columns: [
          column('id', 'bigint', true, true),
          column('shelf_id', 'uuid'),
          column('sku', 'text'),
          column('note', 'text', false),
          column('colour', 'colour', true, true),
          column('tags', 'text[]'),
          column('created_at', 'timestamp(3) with time zone', true, true),
        ],
        primaryKey: ['id'],
        indexes: [
          { name: 'widgets_pkey', columns: ['id'], unique: true, primary: true, partialOrExpression: false },
          { name: 'widgets_sku_key', columns: ['sku'], unique: true, primary: false, partialOrExpression: false },
          {
            name: 'widgets_shelf_created',
            columns: ['shelf_id', 'created_at'],
            unique: false,
            primary: false,
            partialOrExpression: false,
          },
        ],
        foreignKeys: [
          {
            name: 'widgets_shelf_id_fkey',
            columns: ['shelf_id'],
            refTable: 'shelves',
            refColumns: ['id'],
            onDelete: 'CASCADE',
            onUpdate: 'NO ACTION',
          },
        ],
      },
    ],
  };
}

function widgets(db: DbSchema): DbTable {
  return db.tables.find((t) => t.name === 'widgets')!;
}

function column(db: DbSchema, name: string) {
  return widgets(db).columns.find((c) => c.name === name)!;
}

let datamodel: Awaited<ReturnType<typeof getDMMF>>['datamodel'];
beforeAll(async () => {
  datamodel = (await getDMMF({ datamodel: SCHEMA })).datamodel;
});

test('a database that matches the schema has no mismatches', () => {
  expect(compareSchema(datamodel, matchingDatabase())).toEqual([]);
});

test.each<[string, (db: DbSchema) => void, RegExp]>([
  [
    'a missing column',
    (db) => (widgets(db).columns = widgets(db).columns.filter((c) => c.name !== 'note')),
    /^widgets\.note: schema field Widget\.note has no column/,
  ],
  [
    'a type mismatch',
    (db) => (column(db, 'sku').type = 'character varying(20)'),
    /^widgets\.sku: schema says text .*database has character varying\(20\)/,
  ],
  [
    'a timestamp without time zone',
    (db) => (column(db, 'created_at').type = 'timestamp(3) without time zone'),
    /^widgets\.created_at: schema says timestamp\(3\) with time zone/,
  ],
  [
    'a scalar where the schema has a list',
    (db) => (column(db, 'tags').type = 'text'),
    /^widgets\.tags: schema says text\[\]/,
  ],
  [
    'a nullable required column',
    (db) => (column(db, 'sku').notNull = false),
    /^widgets\.sku: schema says required, database column is nullable/,
  ],
  [
    'a NOT NULL optional column',
    (db) => (column(db, 'note').notNull = true),
    /^widgets\.note: schema says optional, database column is NOT NULL/,
  ],
  [
    'a missing default',
    (db) => (column(db, 'colour').hasDefault = false),
    /^widgets\.colour: schema has a @default, database column has no default/,
  ],
  [
    'an extra column',
    (db) => widgets(db).columns.push({ name: 'legacy', type: 'text', notNull: false, hasDefault: false }),
    /^widgets\.legacy: column in the database, but model Widget has no field/,
  ],
  [
    'an extra table',
    (db) => db.tables.push({ name: 'scratch', columns: [], primaryKey: [], indexes: [], foreignKeys: [] }),
    /^table scratch: in the database, but no model/,
  ],
  [
    'a missing unique constraint',
    (db) => (widgets(db).indexes = widgets(db).indexes.filter((i) => !i.name.endsWith('_key'))),
    /^widgets\.sku: schema says unique, database has no unique constraint/,
  ],
  [
    'an index in another column order',
    (db) => (widgets(db).indexes[2]!.columns = ['created_at', 'shelf_id']),
    /^widgets\(shelf_id, created_at\): schema says @@index/,
  ],
  [
    'another onDelete action',
    (db) => (widgets(db).foreignKeys[0]!.onDelete = 'RESTRICT'),
    /schema says onDelete: Cascade, database foreign key widgets_shelf_id_fkey says RESTRICT/,
  ],
  [
    'a missing primary key',
    (db) => (widgets(db).primaryKey = []),
    /^widgets: schema says primary key \(id\), database has none/,
  ],
  [
    'an enum value the database lacks',
    (db) => (db.enums[0]!.values = ['red']),
    /^enum colour: schema has values green/,
  ],
])('detects %s', (_what, breakIt, expected) => {
  const db = matchingDatabase();
  breakIt(db);
  const mismatches = compareSchema(datamodel, db);
  expect(mismatches).toContainEqual(expect.stringMatching(expected));
});
