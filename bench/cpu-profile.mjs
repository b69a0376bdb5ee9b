// Where a server's time went during some phases only: a .cpuprofile (node --cpu-prof) cut to the windows
// bench/pg.mjs prints with BENCH_PG_PROFILE (CLOCK_MONOTONIC µs, the clock of the profile's sample times), as
// shares of samples by package (self time), by function (self) and by function with its callees (inclusive).
//   node bench/cpu-profile.mjs <file.cpuprofile> ['[[from,to],...]'] [top=25]
// On a loaded machine a sample is taken whether or not the process had a CPU: "(idle)" is time waiting for
// work, the rest is time in that code or waiting for a CPU there (the /proc figures of BENCH_PG_WAITS say which).
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';

const [file, windowsJson, top = '25'] = process.argv.slice(2);
if (!file) throw new Error('usage: node bench/cpu-profile.mjs <file.cpuprofile> [windows JSON] [top]');
const profile = JSON.parse(readFileSync(file, 'utf8'));
const windows = windowsJson ? JSON.parse(windowsJson) : null;
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parents = new Map(profile.nodes.flatMap((n) => (n.children ?? []).map((child) => [child, n.id])));

// dist/ is an esbuild bundle (chunks mixing drizzle, the SDK and src/): frames are put back in their sources
// through the bundle's source maps.
const maps = new Map();
function original({ callFrame: { functionName, url, lineNumber, columnNumber } }) {
  if (url.startsWith('file://') && !maps.has(url)) {
    const file = `${fileURLToPath(url)}.map`;
    maps.set(url, existsSync(file) ? new SourceMap(JSON.parse(readFileSync(file, 'utf8'))) : null);
  }
  const entry = maps.get(url)?.findEntry(lineNumber, columnNumber);
  return entry?.originalSource ? { functionName, url: entry.originalSource, lineNumber: entry.originalLine } : { functionName, url, lineNumber };
}
const where = (node) => {
  const { functionName, url, lineNumber } = original(node);
  return `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${lineNumber + 1}`;
};
/** The package a frame belongs to (node_modules/<name>), node's own modules, src/<folder>, or the file. */
const packageOf = (node) => {
  const { functionName, url } = original(node);
  if (!url) return functionName;
  if (url.startsWith('node:')) return 'node:internal';
  // drizzle-orm 0.45's own source maps drop its name: its sources come out as node_modules/src/*.ts.
  const name = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (name) return name === 'src' ? 'drizzle-orm' : name;
  return /\/(src\/(?:[^/]+\/)*)[^/]+$/.exec(url)?.[1] ?? url.split('/').at(-1);
};

const tables = { 'self by package': new Map(), 'self by function': new Map(), inclusive: new Map() };
const count = (table, key) => table.set(key, (table.get(key) ?? 0) + 1);
let at = profile.startTime;
let samples = 0;
profile.samples.forEach((id, i) => {
  at += profile.timeDeltas[i];
  if (windows && !windows.some(([from, to]) => at >= from && at <= to)) return;
  samples++;
  const node = nodes.get(id);
  count(tables['self by package'], packageOf(node));
  count(tables['self by function'], where(node));
  // Each function once per sample, however deep its recursion.
  const stack = new Set();
  for (let n = id; n !== undefined; n = parents.get(n)) stack.add(where(nodes.get(n)));
  for (const key of stack) count(tables.inclusive, key);
});

for (const [title, table] of Object.entries(tables)) {
  console.log(`== ${title} (${samples} samples)`);
  for (const [key, n] of [...table].sort((a, b) => b[1] - a[1]).slice(0, Number(top))) console.log(`${((100 * n) / samples).toFixed(1).padStart(5)}% ${key}`);
}
