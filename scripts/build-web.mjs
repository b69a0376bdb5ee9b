// The dashboard's front end (web/): Preact, @preact/signals and uPlot bundled by esbuild into dist/web/ — one
// script and one stylesheet named by their content hash, and index.html pointing at them. Nothing is loaded
// from elsewhere at run time: the page works offline and under a strict Content-Security-Policy.
// The MCP Apps views (web/apps/) are built too, each into one self-contained HTML file (dist/web/apps/): a host
// shows a ui:// resource as a single document in a sandboxed frame, with no server to fetch assets from.
import { build } from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = `${root}dist/web/`;
mkdirSync(`${out}assets`, { recursive: true });

const common = {
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome110', 'firefox115', 'safari16'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  minify: true,
  logLevel: 'warning',
};

const result = await build({
  ...common,
  entryPoints: [`${root}web/main.tsx`],
  outdir: `${out}assets`,
  entryNames: 'app-[hash]',
  sourcemap: 'linked',
  legalComments: 'linked',
  metafile: true,
});
const outputs = Object.keys(result.metafile.outputs).map((file) => basename(file));
const script = outputs.find((f) => f.endsWith('.js'));
const style = outputs.find((f) => f.endsWith('.css'));
writeFileSync(
  `${out}index.html`,
  `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>control-plane dashboard</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/${style}">
<script type="module" src="/assets/${script}"></script>
</head>
<body>
<div id="app"></div>
</body>
</html>
`,
);

mkdirSync(`${out}apps`, { recursive: true });
/** As for the server (scripts/build.mjs): zod's ~40 locales, which nothing asks for, are left out (360 KB). */
const noZodLocales = {
  name: 'no-zod-locales',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => (/[/\\]zod[/\\]v4[/\\]/.test(args.importer) ? { path: 'zod-locales', namespace: 'stub' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({ contents: 'export {};', loader: 'js' }));
  },
};
for (const view of ['org-chart', 'board']) {
  const built = await build({ ...common, plugins: [noZodLocales], entryPoints: [`${root}web/apps/${view}.tsx`], outdir: `${out}apps`, write: false, legalComments: 'none' });
  const text = (ext) => built.outputFiles.find((f) => f.path.endsWith(ext))?.text ?? '';
  // "</script" inside the bundle would end the inline script early.
  const script = text('.js').replaceAll('</script', '<\\/script');
  writeFileSync(
    `${out}apps/${view}.html`,
    `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<style>${text('.css')}</style>
</head>
<body>
<div id="app"></div>
<script type="module">${script}</script>
</body>
</html>
`,
  );
}
