// Rows of the benchmark table: {what, measured, baseline, ratio, target, met}, the shape bench/startup.mjs and
// bench/verify.mjs print as JSON too. measured and baseline are text with their unit, ratio a number (or
// null), met true, false or null (not run / not judged).
import { median } from './mcp.mjs';

const rateText = (r) => `${Math.round(r).toLocaleString('en')}/s`;
const msText = (x) => `${x < 10 ? x.toFixed(2) : x.toFixed(1)} ms`;

/**
 * Calls/s, ours against the baseline measured in the same round: the row shows the round whose ratio is the
 * median (both figures and their ratio come from one round, measured seconds apart).
 */
export function throughputRow(what, ours, base, min, baselineName = 'no-op') {
  const rounds = ours.map((o, i) => ({ o, b: base[i], ratio: o / base[i] })).sort((x, y) => x.ratio - y.ratio);
  const { o, b, ratio } = rounds[Math.floor(rounds.length / 2)];
  return { what, measured: rateText(o), baseline: `${rateText(b)} (${baselineName})`, ratio, target: `>= ${min.toFixed(2)}x`, met: ratio >= min };
}

/** Milliseconds of one call, against the same call in a smaller setting: the ratio is time over baseline time. */
export function growthRow(what, ours, base, max, baselineName) {
  const [o, b] = [median(ours), median(base)];
  return { what, measured: msText(o), baseline: `${msText(b)} (${baselineName})`, ratio: o / b, target: `<= ${max.toFixed(1)}x`, met: o / b <= max };
}

export const notRun = (what, target, why) => ({ what, measured: `not run: ${why}`, baseline: '-', ratio: null, target, met: null });

const cell = (v) => (v === null || v === undefined ? '-' : typeof v === 'number' ? `${v.toFixed(2)}x` : typeof v === 'boolean' ? (v ? 'yes' : 'NO') : String(v));
const columns = ['what', 'measured', 'baseline', 'ratio', 'target', 'met'];

/** The table as aligned text for a terminal. */
export function plainTable(rows) {
  const cells = [columns, ...rows.map((r) => columns.map((c) => cell(r[c])))];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => line[i].length)));
  return cells.map((line) => line.map((text, i) => text.padEnd(widths[i])).join(' | ').trimEnd()).join('\n');
}

/** The same rows as a Markdown table (for docs/performance.md). */
export function markdownTable(rows) {
  const escape = (text) => text.replaceAll('|', '\\|');
  return [
    `| ${columns.join(' | ')} |`,
    '|---|---:|---:|---:|---|---|',
    ...rows.map((r) => `| ${columns.map((c) => escape(cell(r[c]))).join(' | ')} |`),
  ].join('\n');
}
