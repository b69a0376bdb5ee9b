// The tail of each run's output, as the live stream brings it (bridge.run.output), kept for the tab's life so
// that a page switch loses nothing; a run's status is updated when it completes. Only runs followed while the
// page was open have a tail: output is not stored by the server.
import { signal } from '@preact/signals';
import { onChange } from './live.js';

const KEEP_CHARS = 16_384;
const KEEP_RUNS = 20;

export interface Tail {
  runId: string;
  agentId: string;
  text: string;
  status: string;
  updatedAt: number;
}

export const tails = signal<ReadonlyMap<string, Tail>>(new Map());

onChange((change) => {
  const runId = change.payload.runId as string | undefined;
  if (!runId || !change.topic.startsWith('bridge.run.')) return;
  const next = new Map(tails.value);
  const tail = next.get(runId) ?? { runId, agentId: String(change.payload.agentId ?? ''), text: '', status: 'running', updatedAt: 0 };
  if (change.topic === 'bridge.run.output') tail.text = (tail.text + String(change.payload.text ?? '')).slice(-KEEP_CHARS);
  if (change.topic === 'bridge.run.completed') tail.status = String(change.payload.status);
  next.set(runId, { ...tail, updatedAt: Date.now() });
  // The oldest tails go first.
  for (const [id] of [...next].sort((a, b) => a[1].updatedAt - b[1].updatedAt).slice(0, Math.max(0, next.size - KEEP_RUNS))) next.delete(id);
  tails.value = next;
});
