import { defineConfig } from 'drizzle-kit';

// PostgreSQL migrations: generated at development time (`npm run db:generate:pg`), committed, and applied at
// start-up under an advisory lock (src/db/pg/migrate.ts). The SQLite ones are drizzle.sqlite.config.ts's.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/pg/schema.ts',
  out: './drizzle-pg',
});
