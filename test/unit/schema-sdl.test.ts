import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildGatewaySchema, printGatewaySchema } from '../../src/graphql/schema';
import { createGatewayPubSub } from '../../src/platform/pubsub';

describe('schema/schema.graphql', () => {
  it('is the SDL the resolvers emit (run `npm run schema:emit` after changing a type)', async () => {
    const schema = await buildGatewaySchema(createGatewayPubSub());
    const checkedIn = readFileSync(join(__dirname, '../../schema/schema.graphql'), 'utf8');
    expect(printGatewaySchema(schema)).toBe(checkedIn);
  });
});
