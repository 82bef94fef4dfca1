// prisma/schema.prisma (what the generated client believes) and the SQL migrations (what the database is)
// are both written by hand; this test fails, naming every disagreement, when they drift apart.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { getDMMF } from '@prisma/internals';
import { migrate } from '../../src/platform/db/migrator';
import { projectRoot } from '../../src/platform/db/project-root';
import { testDatabaseUrl, withClient } from '../helpers/database';
import { compareSchema, readDatabaseSchema } from '../helpers/schema-drift';

test('the Prisma schema and the migrated database agree', async () => {
  const url = await testDatabaseUrl();
  // The worker database is a clone of the template global-setup migrated; migrating it again must find
  // nothing left to do, or the template and the migrations on disk disagree.
  expect((await migrate(url)).applied).toEqual([]);

  const datamodel = (
    await getDMMF({ datamodel: await readFile(join(projectRoot(), 'prisma', 'schema.prisma'), 'utf8') })
  ).datamodel;
  const database = await withClient(url, (client) => readDatabaseSchema(client));

  // The whole list at once, so one run shows every mismatch.
  expect(compareSchema(datamodel, database)).toEqual([]);
  // Guard against comparing nothing with nothing (a wrong schema name, an empty read).
  expect(database.tables.map((t) => t.name)).toEqual(
    expect.arrayContaining(datamodel.models.map((m) => m.dbName ?? m.name)),
  );
});
