// The Prisma CLI here is used only offline (generate, validate, format): migrations are plain SQL applied
// by src/platform/db/migrator.ts, so the datasource URL is optional.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost/unused' },
});
