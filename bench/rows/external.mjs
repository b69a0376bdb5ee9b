// Rows measured by scripts of their own (bench/startup.mjs, bench/verify.mjs): run with BENCH_JSON=1, they
// print their rows as the last stdout line, {"rows":[{what, measured, baseline, ratio, target, met}]}.
// Without that line (or if the script fails) the row says "not run" and why.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { notRun } from '../lib/table.mjs';

const here = new URL('..', import.meta.url).pathname;

function run(script) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(here, script)], { env: { ...process.env, BENCH_JSON: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (err += d));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

/** `what` and `target` name the row when the script gives none. */
export async function externalRows(script, what, target) {
  const { code, out, err } = await run(script);
  const last = out.trim().split('\n').at(-1) ?? '';
  try {
    const { rows } = JSON.parse(last);
    if (Array.isArray(rows) && rows.length) return rows;
  } catch {
    // not JSON: said below
  }
  const why = code !== 0 ? `${script} exited ${code}: ${err.trim().split('\n').find((l) => /Error/.test(l)) ?? err.trim().split('\n').at(-1)}` : `${script} printed no JSON rows`;
  return [notRun(what, target, why.slice(0, 160))];
}
