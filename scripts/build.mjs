// npm run build: dist/ as tsc writes it (tests, benches and scripts import its modules), then
//  - dist/cli.js replaced by an esbuild bundle of the server: one file to load instead of ~500 ES modules
//    (module loading was 62% of start-up); what a start-up to tools/list does not need is split into chunks
//    loaded on demand (dist/chunk-*.js);
//  - dist/tools.json: every tools/list entry, made by the registry itself, so start-up reads JSON instead of
//    converting 45 zod schemas to JSON Schema.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = `${root}src/`;
const dist = `${root}dist/`;

rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', `${root}tsconfig.build.json`], { stdio: 'inherit' });

/**
 * Modules that find files next to themselves (package.json, drizzle/, dist/tools.json) do it from
 * import.meta.url, expecting to be dist/<their path>.js. Every file of the bundle sits directly in dist/, so
 * each such module gets the URL it would have had there.
 */
const ownUrl = {
  name: 'own-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\/src\/.*\.ts$/ }, (args) => {
      const code = readFileSync(args.path, 'utf8');
      if (!code.includes('import.meta.url')) return undefined;
      const asBuilt = `./${relative(src, args.path).replace(/\.ts$/, '.js')}`;
      return { contents: code.replaceAll('import.meta.url', `new URL(${JSON.stringify(asBuilt)}, import.meta.url).href`), loader: 'ts' };
    });
  },
};

/**
 * dist/cli.js itself only turns on Node's compile cache (22.1 and later; Node 20 has none) and then imports
 * src/cli.ts: ES module imports are loaded before a module's code runs, so the cache must be on first.
 */
const entry = {
  name: 'entry',
  setup(b) {
    b.onResolve({ filter: /^cli-entry$/ }, () => ({ path: 'cli-entry', namespace: 'entry' }));
    b.onLoad({ filter: /.*/, namespace: 'entry' }, () => ({
      resolveDir: root,
      loader: 'js',
      contents: [
        '#!/usr/bin/env node',
        "import module from 'node:module';",
        '// The compiled code of the chunks is kept between runs (in the OS temp directory; NODE_DISABLE_COMPILE_CACHE=1 turns it off).',
        'module.enableCompileCache?.();',
        `await import(${JSON.stringify(`${src}cli.ts`)});`,
      ].join('\n'),
    }));
  },
};

/**
 * zod re-exports all its ~40 locales as z.locales (360 KB of the bundle); nothing here or in the SDK asks for
 * one (English, the default, is imported by zod's schemas directly), so z.locales is left empty.
 */
const noZodLocales = {
  name: 'no-zod-locales',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => (/[/\\]zod[/\\]v4[/\\]/.test(args.importer) ? { path: 'zod-locales', namespace: 'stub' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({ contents: 'export {};', loader: 'js' }));
  },
};

const result = await build({
  entryPoints: { cli: 'cli-entry' },
  outdir: dist,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunk-[hash]',
  sourcemap: true,
  // CommonJS packages stay outside: Node loads them as they are (a native addon, pino's and prom-client's
  // files found by path); an ES module bundle cannot require() Node's built-ins for them.
  external: ['better-sqlite3', 'better-sqlite3-13', 'pino', 'prom-client', 'cross-spawn', 'swagger-ui-dist', 'pg'],
  plugins: [entry, ownUrl, noZodLocales],
  logLevel: 'warning',
  metafile: true,
});
for (const [file, output] of Object.entries(result.metafile.outputs)) {
  if (!file.endsWith('.js')) continue;
  // esbuild's stand-in for a require() it could not bundle fails only when reached: refuse it here instead.
  if (readFileSync(`${root}${file}`, 'utf8').includes('Dynamic require of')) throw new Error(`${file}: a CommonJS require was bundled; add its package to external`);
  if (process.env.BUILD_VERBOSE) {
    const by = {};
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const key = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)?.[1] ?? input.replace(/^src\/([^/]+).*/, 'src/$1');
      by[key] = (by[key] ?? 0) + bytesInOutput;
    }
    console.log(file, output.bytes, Object.entries(by).sort((a, b) => b[1] - a[1]).slice(0, 12).map(([k, v]) => `${k} ${(v / 1024).toFixed(0)}K`).join(', '));
  }
}
chmodSync(`${dist}cli.js`, 0o755);

// The tools/list entries, computed by the registry from the declarations this build serves.
const { catalogue } = await import(`${dist}tools/catalogue.js`);
const { toolEntry, TOOLS_FILE } = await import(`${dist}tools/registry.js`);
writeFileSync(new URL(TOOLS_FILE, `file://${dist}tools/registry.js`), JSON.stringify(catalogue.map(toolEntry)));

// The dashboard's front end, into dist/web/ (served at / by the HTTP mode).
await import('./build-web.mjs');
