// Every row of issue 12's table in one run, each with a baseline measured in the same run, then the table as
// text and as Markdown for docs/performance.md.
//   npm run bench                 (builds first; about 3 minutes on 2 cores)
//   BENCH_ONLY=calls,data node bench/suite.mjs     (parts: startup calls tools processes data rss verify)
// Knobs: BENCH_NODE_FLAGS (node flags for our server only), BENCH_ROUNDS, BENCH_CALLS (call rows), BENCH_PROC_ROUNDS, BENCH_PROC_SECONDS, BENCH_QUERY_CALLS (tree), BENCH_QUICK_CALLS (indexed org and growth rows),
// BENCH_RSS_SECONDS (default 45), BENCH_RSS_VERIFY=0, BENCH_ERA=legacy; BENCH_DIR=<dir> keeps the seeded
// databases there and reuses them in later runs (the 10x set takes about 40 s to seed).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { migrateDatabase, openDatabase } from '../dist/db/connection.js';
import { callRows } from './rows/calls.mjs';
import { dataRows, dataSetting } from './rows/data.mjs';
import { externalRows } from './rows/external.mjs';
import { processRows, processSetting } from './rows/processes.mjs';
import { rssRows } from './rows/rss.mjs';
import { toolsListRows } from './rows/tools-list.mjs';
import { scaleOne, seedData, times } from './lib/seed.mjs';
import { markdownTable, plainTable } from './lib/table.mjs';

const only = process.env.BENCH_ONLY?.split(',');
const wanted = (part) => !only || only.includes(part);
const dir = mkdtempSync(join(tmpdir(), 'cp-suite-'));
const keep = process.env.BENCH_DIR;
const seedDir = keep ? (mkdirSync(keep, { recursive: true }), keep) : dir;
const started = performance.now();
const log = (text) => process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${text}\n`);
const notes = [];

/** The seeded data sets, made once for the parts that need them. */
let seeded = null;
async function dataSets() {
  if (seeded) return seeded;
  seeded = {};
  for (const [name, k] of [['small', 1], ['big', 10]]) {
    const scale = times(scaleOne, k);
    const db = join(seedDir, `${name}.db`);
    const kept = join(seedDir, `${name}.json`);
    if (keep && existsSync(kept) && existsSync(db)) {
      // Seeded by an earlier build: brought to this build's migrations first, since the data rows' servers
      // are read-only and would refuse an older schema.
      const opened = openDatabase(db);
      migrateDatabase(opened.db);
      opened.db.close();
      seeded[name] = { db, scale, seeded: JSON.parse(readFileSync(kept, 'utf8')) };
      continue;
    }
    log(`seeding ${k}x: ${Object.entries(scale).map(([key, n]) => `${n.toLocaleString('en')} ${key}`).join(', ')}`);
    const result = await seedData(db, scale);
    notes.push(`seeding ${k}x took ${Object.values(result.seconds).reduce((a, b) => a + b, 0).toFixed(1)} s (${Object.entries(result.seconds).map(([key, s]) => `${key} ${s} s`).join(', ')})`);
    seeded[name] = { db, scale, seeded: result };
    if (keep) writeFileSync(kept, JSON.stringify(result));
  }
  return seeded;
}

const rows = [];
try {
  if (wanted('startup')) {
    log('start-up (bench/startup.mjs)');
    rows.push(...(await externalRows('startup.mjs', 'start-up to the first tools/list answer', '<= 1.5x and <= 300 ms')));
  }
  let callDb = null;
  let agentSession = null;
  if (wanted('calls') || wanted('tools')) {
    callDb = join(dir, 'calls.db');
    log('tool calls over stdio against the bare SDK server');
    const calls = await callRows(callDb);
    if (wanted('calls')) rows.push(...calls.rows);
    notes.push(`call rows: ${calls.setting}`);
    agentSession = calls;
  }
  if (wanted('tools')) {
    log('tools/list size');
    rows.push(...(await toolsListRows(callDb, agentSession.realmId, agentSession.agentId)));
  }
  if (wanted('processes')) {
    log('8 server processes on one file');
    rows.push(...(await processRows(join(dir, 'queue.db'))));
    notes.push(processSetting);
  }
  if (wanted('data') || wanted('rss')) {
    const { small, big } = await dataSets();
    if (wanted('data')) {
      log('org queries and growth at 10x');
      rows.push(...(await dataRows(small, big)));
      notes.push(dataSetting);
    }
    if (wanted('rss')) {
      log('RSS while serving lists');
      rows.push(...(await rssRows(big, agentSession?.baselineRss ?? null)));
    }
  }
  if (wanted('verify')) {
    log('council_verify (bench/verify.mjs)');
    rows.push(...(await externalRows('verify.mjs', 'council_verify of 1,000,000 entries', '<= 3 s and <= 2x a bare SHA-256 loop')));
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const seconds = (performance.now() - started) / 1000;
const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}`;
console.log(`control-plane-mcp bench, node ${process.version}, ${machine}, ${new Date().toISOString()}, ${seconds.toFixed(0)} s`);
for (const note of notes) console.log(`  ${note}`);
console.log('');
console.log(plainTable(rows));
const met = rows.filter((r) => r.met === true).length;
const judged = rows.filter((r) => r.met !== null).length;
const unjudged = rows.filter((r) => r.met === null);
const notRunCount = unjudged.filter((r) => r.measured.startsWith('not run')).length;
const others = unjudged.length - notRunCount;
console.log(`\n${met} of ${judged} targets met${notRunCount ? `, ${notRunCount} not run` : ''}${others ? `, ${others} row${others === 1 ? '' : 's'} for reference` : ''}\n`);
console.log(markdownTable(rows));
