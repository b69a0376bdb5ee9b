// Runs the official MCP conformance suite against this server over HTTP, for both requirement sets.
//   npm run conformance        (needs Node 22 or later: the suite does; CI runs it on Node 24)
// The server serves the suite's fixtures (--conformance-fixtures) without tokens (--no-auth, loopback only),
// on a fresh database. A failure not listed in test/conformance/expected-failures.yaml fails the run.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  console.error(`conformance: the suite needs Node 22 or later (this is ${process.version})`);
  process.exit(2);
}
const suite = createRequire(import.meta.url).resolve('@modelcontextprotocol/conformance/dist/index.js');
const db = join(mkdtempSync(join(tmpdir(), 'cp-conformance-')), 'conformance.db');
const server = spawn(process.execPath, [join(root, 'dist/cli.js'), '--http', '--port', '0', '--no-auth', '--conformance-fixtures', '--db', db], {
  stdio: ['ignore', 'ignore', 'pipe'],
  env: { ...process.env, CONTROL_PLANE_LOG_LEVEL: 'info' },
});
let log = '';
const url = await new Promise((resolve, reject) => {
  server.stderr.setEncoding('utf8');
  server.stderr.on('data', (chunk) => {
    log += chunk;
    const line = log.split('\n').find((l) => l.includes('"serving HTTP"'));
    if (line) resolve(`${JSON.parse(line).url}/mcp`);
  });
  server.once('exit', (code) => reject(new Error(`the server exited (${code}): ${log}`)));
});

let failed = false;
for (const requirements of ['2025-11-25', '2026-07-28']) {
  console.log(`\n== conformance ${requirements} against ${url}`);
  const run = spawnSync(process.execPath, [suite, 'server', '--url', url, '--requirements', requirements, '--expected-failures', join(root, 'test/conformance/expected-failures.yaml'), '--timeout', '20000'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  });
  // The suite prints every check; a CI log needs the failed ones and the summary.
  const output = `${run.stdout}${run.stderr}`;
  const failures = output.split('\n').filter((line) => /FAILURE|WARNING/.test(line));
  if (failures.length) console.log(failures.join('\n'));
  console.log(output.slice(Math.max(0, output.indexOf('=== SUMMARY ==='))));
  if (run.status !== 0) {
    failed = true;
    console.error(`conformance ${requirements}: exit ${run.status}`);
  }
}
server.kill('SIGTERM');
process.exit(failed ? 1 : 0);
