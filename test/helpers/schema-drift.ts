// Compares prisma/schema.prisma (through its DMMF) with a migrated database, read from pg_catalog. The schema
// is what the generated client believes; the SQL migrations are what the database is. Both are written by
// hand here (Prisma's migrate cannot run offline), so this comparison is what keeps them from drifting apart.
import type { getDMMF } from '@prisma/internals';
import type { ClientBase } from 'pg';

type Datamodel = Awaited<ReturnType<typeof getDMMF>>['datamodel'];
type Model = Datamodel['models'][number];
type Field = Model['fields'][number];

/** The database side, as plain data so a unit test can write one by hand. */
export interface DbSchema {
  tables: DbTable[];
  enums: DbEnum[];
}
export interface DbTable {
  name: string;
  columns: DbColumn[];
  /** Primary-key columns in key order; empty when the table has none. */
  primaryKey: string[];
  indexes: DbIndex[];
  foreignKeys: DbForeignKey[];
}
export interface DbColumn {
  name: string;
  /** As format_type() prints it: `text`, `character(3)`, `timestamp(3) with time zone`, `text[]`, `tenant_status`. */
  type: string;
  notNull: boolean;
  hasDefault: boolean;
}
export interface DbIndex {
  name: string;
  columns: string[];
  unique: boolean;
  primary: boolean;
  /** Has a WHERE clause or an expression column: Prisma's schema cannot describe it, so it is not compared. */
  partialOrExpression: boolean;
}
export interface DbForeignKey {
  name: string;
  columns: string[];
  refTable: string;
  refColumns: string[];
  /** As SQL spells it: CASCADE, RESTRICT, NO ACTION, SET NULL, SET DEFAULT. */
  onDelete: string;
  onUpdate: string;
}
export interface DbEnum {
  name: string;
  values: string[];
}

const REFERENTIAL_ACTIONS: Record<string, string> = {
  a: 'NO ACTION',
  r: 'RESTRICT',
  c: 'CASCADE',
  n: 'SET NULL',
  d: 'SET DEFAULT',
};

/** Reads one schema's tables, columns, keys, indexes and enums. */
export async function readDatabaseSchema(client: ClientBase, schema = 'public'): Promise<DbSchema> {
  // One after the other: a pg client runs one query at a time anyway.
  const columns = await client.query<{ table: string } & DbColumn>(
    `SELECT c.relname AS table, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
              a.attnotnull AS "notNull", (a.atthasdef OR a.attidentity <> '') AS "hasDefault"
         FROM pg_attribute a
         JOIN pg_class c ON c.oid = a.attrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY c.relname, a.attnum`,
    [schema],
  );
  const constraints = await client.query<{
    table: string;
    name: string;
    type: string;
    columns: string[];
    refTable: string | null;
    refColumns: string[];
    onDelete: string;
    onUpdate: string;
  }>(
    `SELECT t.relname AS table, con.conname AS name, con.contype::text AS type,
              ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(num, ord)
                      JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num ORDER BY k.ord) AS columns,
              rt.relname AS "refTable",
              ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(num, ord)
                      JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num ORDER BY k.ord) AS "refColumns",
              con.confdeltype::text AS "onDelete", con.confupdtype::text AS "onUpdate"
         FROM pg_constraint con
         JOIN pg_class t ON t.oid = con.conrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace
         LEFT JOIN pg_class rt ON rt.oid = con.confrelid
        WHERE n.nspname = $1 AND con.contype IN ('p', 'f')`,
    [schema],
  );
  const indexes = await client.query<{ table: string } & DbIndex>(
    `SELECT t.relname AS table, i.relname AS name, ix.indisunique AS unique, ix.indisprimary AS primary,
              (ix.indpred IS NOT NULL OR ix.indexprs IS NOT NULL) AS "partialOrExpression",
              ARRAY(SELECT a.attname::text FROM unnest(ix.indkey::int2[]) WITH ORDINALITY k(num, ord)
                      JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.num
                     WHERE k.ord <= ix.indnkeyatts ORDER BY k.ord) AS columns
         FROM pg_index ix
         JOIN pg_class i ON i.oid = ix.indexrelid
         JOIN pg_class t ON t.oid = ix.indrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE n.nspname = $1 AND t.relkind IN ('r', 'p')`,
    [schema],
  );
  const enums = await client.query<DbEnum>(
    `SELECT t.typname AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS values
         FROM pg_type t
         JOIN pg_enum e ON e.enumtypid = t.oid
         JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname = $1
        GROUP BY t.typname`,
    [schema],
  );

  const tables = new Map<string, DbTable>();
  const tableNamed = (name: string) => {
    let table = tables.get(name);
    if (!table) tables.set(name, (table = { name, columns: [], primaryKey: [], indexes: [], foreignKeys: [] }));
    return table;
  };
  for (const { table, ...column } of columns.rows) tableNamed(table).columns.push(column);
  for (const { table, ...index } of indexes.rows) tableNamed(table).indexes.push(index);
  for (const con of constraints.rows) {
    const table = tableNamed(con.table);
    if (con.type === 'p') table.primaryKey = con.columns;
    else {
      table.foreignKeys.push({
        name: con.name,
        columns: con.columns,
        refTable: con.refTable ?? '?',
        refColumns: con.refColumns,
        onDelete: REFERENTIAL_ACTIONS[con.onDelete] ?? con.onDelete,
        onUpdate: REFERENTIAL_ACTIONS[con.onUpdate] ?? con.onUpdate,
      });
    }
  }
  return { tables: [...tables.values()], enums: enums.rows };
}

export interface CompareOptions {
  /** Tables that are the migrator's, not the model's. */
  ignoreTables?: string[];
}

/**
 * Every disagreement between the Prisma datamodel and the database, each as one sentence naming the table,
 * column or constraint; an empty list means they agree. Collected, not thrown, so one run shows them all.
 */
export function compareSchema(datamodel: Datamodel, db: DbSchema, opts: CompareOptions = {}): string[] {
  const ignore = new Set(opts.ignoreTables ?? ['_voepy_migrations']);
  const mismatches: string[] = [];
  const dbTables = new Map(db.tables.filter((t) => !ignore.has(t.name)).map((t) => [t.name, t]));
  const enumDbNames = new Map(datamodel.enums.map((e) => [e.name, e.dbName ?? e.name]));

  for (const model of datamodel.models) {
    const table = dbTables.get(tableOf(model));
    dbTables.delete(tableOf(model));
    if (!table) {
      mismatches.push(
        `model ${model.name}: schema maps it to table ${tableOf(model)}, which the database does not have`,
      );
      continue;
    }
    mismatches.push(
      ...compareColumns(model, table, enumDbNames),
      ...compareKeysAndIndexes(model, table, datamodel),
      ...compareForeignKeys(model, table, datamodel),
    );
  }
  for (const extra of dbTables.keys()) mismatches.push(`table ${extra}: in the database, but no model maps to it`);
  mismatches.push(...compareEnums(datamodel, db));
  return mismatches;
}

function compareColumns(model: Model, table: DbTable, enumDbNames: Map<string, string>): string[] {
  const mismatches: string[] = [];
  const columns = new Map(table.columns.map((c) => [c.name, c]));
  for (const field of model.fields) {
    if (field.kind === 'object') continue; // relation fields have no column of their own
    const at = `${table.name}.${columnOf(field)}`;
    const column = columns.get(columnOf(field));
    columns.delete(columnOf(field));
    if (!column) {
      mismatches.push(`${at}: schema field ${model.name}.${field.name} has no column in the database`);
      continue;
    }
    if (field.kind !== 'unsupported') {
      const expected = expectedType(field, enumDbNames);
      if (normaliseType(expected) !== normaliseType(column.type)) {
        mismatches.push(`${at}: schema says ${expected} (${describeField(field)}), database has ${column.type}`);
      }
    }
    // Prisma has no nullable lists: an absent list is an empty one, so the column must not hold NULL.
    const required = field.isRequired || field.isList;
    if (required !== column.notNull) {
      mismatches.push(
        required
          ? `${at}: schema says required, database column is nullable`
          : `${at}: schema says optional, database column is NOT NULL`,
      );
    }
    // Both ways round matter: raw SQL (jobs, seeds, migrations) relies on the database filling what Prisma
    // fills, and a default the schema does not know means Prisma writes a value the database expected to own.
    if (field.hasDefaultValue !== column.hasDefault) {
      mismatches.push(
        field.hasDefaultValue
          ? `${at}: schema has a @default, database column has no default`
          : `${at}: database column has a default, schema field has no @default`,
      );
    }
  }
  for (const extra of columns.keys()) {
    mismatches.push(`${table.name}.${extra}: column in the database, but model ${model.name} has no field for it`);
  }
  return mismatches;
}

function compareKeysAndIndexes(model: Model, table: DbTable, datamodel: Datamodel): string[] {
  const mismatches: string[] = [];
  const columnsOf = (fieldNames: readonly string[]) => fieldNames.map((f) => columnOfName(model, f));
  const modelIndexes = datamodel.indexes.filter((i) => i.model === model.name);

  const primaryKey = model.primaryKey
    ? columnsOf(model.primaryKey.fields)
    : model.fields.filter((f) => f.isId).map(columnOf);
  if (!sameList(primaryKey, table.primaryKey)) {
    mismatches.push(
      `${table.name}: schema says primary key ${list(primaryKey)}, database has ${table.primaryKey.length ? list(table.primaryKey) : 'none'}`,
    );
  }

  // Uniqueness is about the set of columns, whatever order the index lists them in.
  const schemaUniques = new Map<string, string[]>();
  const addUnique = (columns: string[]) => schemaUniques.set(setKey(columns), columns);
  for (const index of modelIndexes) if (index.type === 'unique') addUnique(columnsOf(index.fields.map((f) => f.name)));
  for (const field of model.fields) if (field.isUnique) addUnique([columnOf(field)]);
  for (const fields of model.uniqueFields) addUnique(columnsOf(fields));
  const comparable = table.indexes.filter((i) => !i.primary && !i.partialOrExpression);
  const dbUniques = new Map(comparable.filter((i) => i.unique).map((i) => [setKey(i.columns), i]));
  for (const [key, columns] of schemaUniques) {
    if (!dbUniques.delete(key)) {
      mismatches.push(
        `${where(table, columns)}: schema says unique, database has no unique constraint or unique index on ${list(columns)}`,
      );
    }
  }
  for (const index of dbUniques.values()) {
    mismatches.push(
      `${where(table, index.columns)}: database has unique index ${index.name}, schema has no @unique/@@unique for it`,
    );
  }

  // A plain index serves queries by its leading columns, so here the order is part of what is compared.
  const dbIndexes = new Map(comparable.filter((i) => !i.unique).map((i) => [i.columns.join(','), i]));
  for (const index of modelIndexes.filter((i) => i.type === 'normal')) {
    const columns = columnsOf(index.fields.map((f) => f.name));
    if (!dbIndexes.delete(columns.join(','))) {
      mismatches.push(
        `${where(table, columns)}: schema says @@index${list(columns)}, database has no non-unique index on those columns in that order`,
      );
    }
  }
  for (const index of dbIndexes.values()) {
    mismatches.push(`${where(table, index.columns)}: database has index ${index.name}, schema has no @@index for it`);
  }
  return mismatches;
}

function compareForeignKeys(model: Model, table: DbTable, datamodel: Datamodel): string[] {
  const mismatches: string[] = [];
  const dbKeys = new Map(table.foreignKeys.map((fk) => [fk.columns.join(','), fk]));
  // Only the side holding `fields:`/`references:` owns the foreign key; the other side is a back-reference.
  for (const relation of model.fields.filter((f) => f.kind === 'object' && f.relationFromFields?.length)) {
    const target = datamodel.models.find((m) => m.name === relation.type);
    const columns = (relation.relationFromFields ?? []).map((f) => columnOfName(model, f));
    const refTable = target ? tableOf(target) : relation.type;
    const refColumns = (relation.relationToFields ?? []).map((f) => (target ? columnOfName(target, f) : f));
    const name = `${table.name}${list(columns)} → ${refTable}${list(refColumns)}`;
    const fk = dbKeys.get(columns.join(','));
    dbKeys.delete(columns.join(','));
    if (!fk) {
      mismatches.push(
        `${name}: schema relation ${model.name}.${relation.name} has no foreign key on ${list(columns)} in the database`,
      );
      continue;
    }
    if (fk.refTable !== refTable || !sameList(fk.refColumns, refColumns)) {
      mismatches.push(
        `${name}: database foreign key ${fk.name} references ${fk.refTable}${list(fk.refColumns)} instead`,
      );
    }
    for (const [what, schemaAction, dbAction] of [
      ['onDelete', relation.relationOnDelete, fk.onDelete],
      ['onUpdate', relation.relationOnUpdate, fk.onUpdate],
    ] as const) {
      // Compared only when the schema states one: Prisma's implicit defaults are not this project's concern.
      if (schemaAction && sqlAction(schemaAction) !== dbAction) {
        mismatches.push(
          `${name}: schema says ${what}: ${schemaAction}, database foreign key ${fk.name} says ${dbAction}`,
        );
      }
    }
  }
  for (const fk of dbKeys.values()) {
    mismatches.push(
      `${table.name}${list(fk.columns)}: database has foreign key ${fk.name} to ${fk.refTable}${list(fk.refColumns)}, schema has no relation for it`,
    );
  }
  return mismatches;
}

function compareEnums(datamodel: Datamodel, db: DbSchema): string[] {
  const mismatches: string[] = [];
  const dbEnums = new Map(db.enums.map((e) => [e.name, e]));
  for (const schemaEnum of datamodel.enums) {
    const name = schemaEnum.dbName ?? schemaEnum.name;
    const dbEnum = dbEnums.get(name);
    dbEnums.delete(name);
    if (!dbEnum) {
      mismatches.push(`enum ${name}: schema enum ${schemaEnum.name} has no type in the database`);
      continue;
    }
    // As sets: Prisma never compares enum values by their order.
    const schemaValues = schemaEnum.values.map((v) => v.dbName ?? v.name);
    const missing = schemaValues.filter((v) => !dbEnum.values.includes(v));
    const extra = dbEnum.values.filter((v) => !schemaValues.includes(v));
    if (missing.length)
      mismatches.push(`enum ${name}: schema has values ${missing.join(', ')}, the database type lacks them`);
    if (extra.length) mismatches.push(`enum ${name}: database has values ${extra.join(', ')}, the schema lacks them`);
  }
  for (const extra of dbEnums.keys())
    mismatches.push(`enum ${extra}: type in the database, but no schema enum maps to it`);
  return mismatches;
}

/** Prisma's type for this field with no @db attribute, on PostgreSQL. */
const DEFAULT_NATIVE_TYPES: Record<string, [string, string[]]> = {
  String: ['Text', []],
  Int: ['Integer', []],
  BigInt: ['BigInt', []],
  Float: ['DoublePrecision', []],
  Decimal: ['Decimal', ['65', '30']],
  Boolean: ['Boolean', []],
  DateTime: ['Timestamp', ['3']],
  Json: ['JsonB', []],
  Bytes: ['ByteA', []],
};

/** @db.X(args) → what format_type() prints for the column Prisma would create. */
const NATIVE_TYPES: Record<string, (args: readonly string[]) => string> = {
  Text: () => 'text',
  Uuid: () => 'uuid',
  Char: (a) => `character(${a[0] ?? 1})`,
  VarChar: (a) => (a.length ? `character varying(${a[0]})` : 'character varying'),
  Integer: () => 'integer',
  SmallInt: () => 'smallint',
  BigInt: () => 'bigint',
  Oid: () => 'oid',
  DoublePrecision: () => 'double precision',
  Real: () => 'real',
  Decimal: (a) => (a.length ? `numeric(${a.join(',')})` : 'numeric'),
  Money: () => 'money',
  Boolean: () => 'boolean',
  Timestamp: (a) => `timestamp${precision(a)} without time zone`,
  Timestamptz: (a) => `timestamp${precision(a)} with time zone`,
  Date: () => 'date',
  Time: (a) => `time${precision(a)} without time zone`,
  Timetz: (a) => `time${precision(a)} with time zone`,
  Json: () => 'json',
  JsonB: () => 'jsonb',
  ByteA: () => 'bytea',
  Xml: () => 'xml',
  Inet: () => 'inet',
  Citext: () => 'citext',
  Bit: (a) => `bit(${a[0] ?? 1})`,
  VarBit: (a) => (a.length ? `bit varying(${a[0]})` : 'bit varying'),
};

function expectedType(field: Field, enumDbNames: Map<string, string>): string {
  let base: string;
  if (field.kind === 'enum') base = enumDbNames.get(field.type) ?? field.type;
  else {
    const [native, args] = field.nativeType ?? DEFAULT_NATIVE_TYPES[field.type] ?? [field.type, []];
    // An unknown @db type fails loudly rather than passing unchecked: teach NATIVE_TYPES the new one.
    base = NATIVE_TYPES[native]?.(args) ?? `@db.${native} (unknown to the drift test)`;
  }
  return field.isList ? `${base}[]` : base;
}

function precision(args: readonly string[]): string {
  return args.length ? `(${args[0]})` : '';
}

/** Postgres's default time precision is 6 and format_type() leaves it out, so (6) and none are the same. */
function normaliseType(type: string): string {
  return type.replace(/^(timestamp|time)\(6\)/, '$1');
}

function describeField(field: Field): string {
  const native = field.nativeType
    ? ` @db.${field.nativeType[0]}${field.nativeType[1].length ? `(${field.nativeType[1].join(',')})` : ''}`
    : '';
  return `${field.type}${field.isList ? '[]' : ''}${native}`;
}

function sqlAction(prismaAction: string): string {
  return prismaAction.replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase(); // SetNull → SET NULL, NoAction → NO ACTION
}

function tableOf(model: Model): string {
  return model.dbName ?? model.name;
}

function columnOf(field: Field): string {
  return field.dbName ?? field.name;
}

function columnOfName(model: Model, fieldName: string): string {
  const field = model.fields.find((f) => f.name === fieldName);
  return field ? columnOf(field) : fieldName;
}

function where(table: DbTable, columns: readonly string[]): string {
  return columns.length === 1 ? `${table.name}.${columns[0]}` : `${table.name}${list(columns)}`;
}

function list(columns: readonly string[]): string {
  return `(${columns.join(', ')})`;
}

function setKey(columns: readonly string[]): string {
  return [...columns].sort().join(',');
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
