// What running an agent costs beyond spawning it: runProcess (own process group, stdout parsed, every
// leftover looked for by group and by marker in /proc when the command ends) against a bare execa of the same
// command, alternating, medians of ROUNDS; and one scan of /proc for a run's processes.
// npm run build first.  node bench/runs.mjs
import { execa } from 'execa';
import { readdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { runProcess } from '../dist/bridge/process-group.js';
import { runMembers } from '../dist/bridge/process-tree.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 40);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const command = process.execPath;
const args = ['-e', 'process.stdout.write(JSON.stringify({type:"result"}) + "\\n")'];
const env = { PATH: process.env.PATH, CONTROL_PLANE_RUN_ID: 'brun-bench' };

const times = { baseline: [], ours: [] };
for (let i = 0; i < ROUNDS; i++) {
  let t = performance.now();
  await execa(command, args, { env, extendEnv: false, stdin: 'ignore' });
  times.baseline.push(performance.now() - t);
  t = performance.now();
  await runProcess({ command, args, env, marker: 'CONTROL_PLANE_RUN_ID=brun-bench', stdin: '', timeoutMs: 30_000, onStdoutLine: () => {} });
  times.ours.push(performance.now() - t);
}
const scans = [];
const procs = readdirSync('/proc').filter((e) => /^\d+$/.test(e)).length;
for (let i = 0; i < 200; i++) {
  const t = performance.now();
  runMembers({ pgid: 1 << 30, marker: 'CONTROL_PLANE_RUN_ID=brun-bench' });
  scans.push(performance.now() - t);
}
const [b, o] = [median(times.baseline), median(times.ours)];
console.log(`run of a short command, median of ${ROUNDS}: bare execa ${b.toFixed(1)} ms, runProcess ${o.toFixed(1)} ms (${(o / b).toFixed(2)}x)`);
console.log(`one scan for a run's processes (${procs} processes on this machine): median ${median(scans).toFixed(2)} ms`);
