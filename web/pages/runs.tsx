// Runs and pulses: the bridge runs running now (they leave the list when they finish: the stream says so) and
// the latest finished ones, the live tail of each run's output, each pulse with its next fire times, and the
// pulse dead letters.
import { useEffect, useRef } from 'preact/hooks';
import { get } from '../api.js';
import { money, time, when } from '../format.js';
import { version } from '../state.js';
import { tails, type Tail } from '../run-tail.js';
import { useData } from '../use-data.js';
import { Card, Empty, ErrorLine, Pill } from '../widgets.js';

async function readRuns(realm: string) {
  const [runs, pulse] = await Promise.all([
    get(`/api/dashboard/${realm}/runs`),
    // An agent may not read pulses: the page says so and shows its runs.
    Promise.all([get(`/api/dashboard/${realm}/pulse`), get(`/api/dashboard/${realm}/pulse-runs`)]).then(
      ([overview, recent]) => ({ ...overview, recent: recent.runs as any[] }),
      (e) => ({ refused: e }),
    ),
  ]);
  return { runs: runs.runs as any[], recent: runs.recent as any[], pulse };
}

function TailView({ tail }: { tail: Tail }) {
  const box = useRef<HTMLPreElement>(null);
  // Follow the end, as a terminal does.
  useEffect(() => void (box.current && (box.current.scrollTop = box.current.scrollHeight)), [tail.text]);
  return (
    <div class="tail" data-tail={tail.runId}>
      <div class="list-line">
        <span>
          <code>{tail.runId}</code> · {tail.agentId}
        </span>
        <Pill kind={tail.status === 'running' ? 'live-busy' : tail.status}>{tail.status}</Pill>
      </div>
      <pre ref={box}>{tail.text || '(no output yet)'}</pre>
    </div>
  );
}

export function RunsPage() {
  const { data, error } = useData(readRuns, ['bridge.run.completed', 'pulse.run', 'pulse.changed']);
  const pulse = data?.pulse;
  const followed = [...tails.value.values()].sort((a, b) => b.updatedAt - a.updatedAt);
  // A run whose output arrives before the list knows it (it started after the last read): read the list again.
  const known = new Set(data?.runs.map((r) => r.id));
  const unseen = followed.some((t) => t.status === 'running' && !known.has(t.runId));
  useEffect(() => void (unseen && version('bridge.run.completed').value++), [unseen]);
  return (
    <div class="stack">
      <ErrorLine error={error} />
      <Card title="Running bridge runs">
        {data && data.runs.length === 0 && <Empty>Nothing is running.</Empty>}
        {data && data.runs.length > 0 && (
          <table class="table">
            <thead>
              <tr>
                <th>run</th>
                <th>agent</th>
                <th>runtime</th>
                <th>mission</th>
                <th>started</th>
              </tr>
            </thead>
            <tbody>
              {data.runs.map((r) => (
                <tr key={r.id} data-run={r.id}>
                  <td>
                    <code>{r.id}</code>
                  </td>
                  <td>{r.agentId}</td>
                  <td>{r.runtimeId}</td>
                  <td>{r.missionId ?? '—'}</td>
                  <td>{when(r.startedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
      <Card title="Recent bridge runs">
        {data && data.recent.length === 0 && <Empty>No run has finished yet.</Empty>}
        {data && data.recent.length > 0 && (
          <table class="table">
            <thead>
              <tr>
                <th>run</th>
                <th>agent</th>
                <th>status</th>
                <th>started</th>
                <th>cost</th>
                <th>error</th>
              </tr>
            </thead>
            <tbody>
              {data.recent.map((r) => (
                <tr key={r.id} data-recent-run={r.id}>
                  <td>
                    <code>{r.id}</code>
                  </td>
                  <td>{r.agentId}</td>
                  <td>
                    <Pill kind={r.status}>{r.status}</Pill>
                  </td>
                  <td>{when(r.startedAt)}</td>
                  <td>{r.costCents == null ? '—' : money(r.costCents)}</td>
                  <td class="muted">{r.error ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
      <Card title="Live output">
        {followed.length === 0 ? <Empty>Output of runs appears here as they print it.</Empty> : followed.map((t) => <TailView key={t.runId} tail={t} />)}
      </Card>
      {pulse && 'refused' in pulse ? (
        <ErrorLine error={pulse.refused} />
      ) : (
        <div class="grid-2">
          <Card title="Pulses">
            {pulse && pulse.pulses.length === 0 && <Empty>No agent is scheduled: pulse_register schedules one.</Empty>}
            <ul class="list">
              {pulse?.pulses.map((p: any) => (
                <li key={p.config.agentId} data-pulse={p.config.agentId}>
                  <div class="list-line">
                    <strong>{p.config.agentId}</strong>
                    <Pill kind={p.config.enabled ? 'active' : 'paused'}>{p.config.enabled ? 'on' : 'off'}</Pill>
                  </div>
                  <div class="muted">
                    <code>{p.config.cron}</code> ({p.config.timezone}) · next {p.nextRuns?.length ? p.nextRuns.map((t: string) => when(t)).join(', ') : '—'}
                  </div>
                </li>
              ))}
            </ul>
          </Card>
          <Card title="Recent pulse runs">
            {pulse && pulse.recent.length === 0 && pulse.deadLetters.length === 0 && <Empty>No pulse has fired yet.</Empty>}
            <ul class="list">
              {pulse?.deadLetters.map((r: any) => (
                <li key={`dead:${r.id}`} data-pulse-run={r.id}>
                  <div class="list-line">
                    <strong>{r.agentId}</strong>
                    <Pill kind="dead">dead letter</Pill>
                  </div>
                  <div class="muted">
                    {time(r.startedAt)} · attempt {r.attempt} · {r.error ?? ''}
                  </div>
                </li>
              ))}
              {pulse?.recent
                .filter((r: any) => r.status !== 'dead')
                .map((r: any) => (
                  <li key={r.id} data-pulse-run={r.id}>
                    <div class="list-line">
                      <strong>{r.agentId}</strong>
                      <Pill kind={r.status}>{r.status === 'skipped' ? `skipped: ${r.skipReason}${r.skipCount > 1 ? ` ×${r.skipCount}` : ''}` : r.status}</Pill>
                    </div>
                    <div class="muted">
                      {time(r.startedAt)} · {r.source}
                      {r.error ? ` · ${r.error}` : ''}
                    </div>
                  </li>
                ))}
            </ul>
          </Card>
        </div>
      )}
    </div>
  );
}
