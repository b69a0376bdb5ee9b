// PostgreSQL for the benches, started exactly as the tests start it: test/helpers/postgres.ts itself (embedded
// PostgreSQL in a temporary directory, or DATABASE_URL when set). Node 20 cannot import TypeScript, so that file
// is compiled by esbuild (a dev dependency the build already uses) into dist/, where its imports resolve as
// they do for the tests; nothing of it is copied here.
import { build } from 'esbuild';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** startPostgres() of test/helpers/postgres.ts: {source, createDatabase(), stop()}. */
export async function startPostgres(options) {
  const outfile = `${root}dist/bench/postgres.js`;
  await build({ entryPoints: [`${root}test/helpers/postgres.ts`], outfile, format: 'esm', platform: 'node', target: 'node20', logLevel: 'warning' });
  return (await import(pathToFileURL(outfile).href)).startPostgres(options);
}
