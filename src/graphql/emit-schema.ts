import 'reflect-metadata';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../platform/db/project-root';
import { createGatewayPubSub } from '../platform/pubsub';
import { buildGatewaySchema, printGatewaySchema } from './schema';

// `npm run schema:emit` rewrites schema/schema.graphql; a test fails when the checked-in copy is stale.
async function main() {
  const schema = await buildGatewaySchema(createGatewayPubSub());
  const dir = join(projectRoot(), 'schema');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'schema.graphql'), printGatewaySchema(schema));
  console.log(`wrote ${join(dir, 'schema.graphql')}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
