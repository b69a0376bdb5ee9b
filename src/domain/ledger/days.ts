// How a summary window [since, until) splits into whole UTC days (read from the per-day roll-ups) and the
// partial days at its edges (read from the spend rows). Times are ISO-8601 UTC as Date#toISOString writes
// them, which sort as text: that is how the spend rows are compared too.

const DAY_MS = 86_400_000;
const startOf = (day: string) => `${day}T00:00:00.000Z`;
const nextDay = (day: string) => new Date(Date.parse(startOf(day)) + DAY_MS).toISOString().slice(0, 10);

export interface DaySplit {
  /** Whole days, as [first, end) of YYYY-MM-DD; null when the window holds no whole day. */
  days: [string, string] | null;
  /** Time ranges [since, until) outside those days. */
  edges: [string, string][];
}

export function splitByDays(since: string, until: string): DaySplit {
  const first = since === startOf(since.slice(0, 10)) ? since.slice(0, 10) : nextDay(since.slice(0, 10));
  const end = until.slice(0, 10);
  if (first >= end) return { days: null, edges: [[since, until]] };
  const edges: [string, string][] = [];
  if (since < startOf(first)) edges.push([since, startOf(first)]);
  if (until > startOf(end)) edges.push([startOf(end), until]);
  return { days: [first, end], edges };
}
