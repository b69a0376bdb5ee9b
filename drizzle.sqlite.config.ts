import { defineConfig } from 'drizzle-kit';

// Migrations are generated at development time (`npm run db:generate`), committed, and applied at start-up.
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/db/schema.ts',
  out: './drizzle',
});
