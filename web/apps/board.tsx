// The mission board as an MCP Apps view: mission_list's result in columns by status.
import { render } from 'preact';
import { useState } from 'preact/hooks';
import { when } from '../format.js';
import { columns, type Mission } from '../missions.js';
import { Empty, Pill } from '../widgets.js';
import { connectView } from './host.js';
import '../style.css';
import './apps.css';

function View() {
  const [missions, setMissions] = useState<Mission[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [view] = useState(() => connectView<{ missions: Mission[] }>('control-plane board', 'mission_list', (r) => (setError(null), setMissions(r.missions)), setError));
  const shown = columns.filter((c) => missions?.some((m) => m.status === c));
  return (
    <main class="app-view">
      <header class="app-head">
        <h2>Board</h2>
        <button class="btn" onClick={() => view.refresh().catch((e: Error) => setError(e.message))}>Refresh</button>
      </header>
      {error && <p class="error">{error}</p>}
      {missions === null && <Empty>Waiting for mission_list…</Empty>}
      {missions?.length === 0 && <Empty>No missions.</Empty>}
      {missions && missions.length > 0 && (
        <div class="columns">
          {shown.map((status) => (
            <div class="column" data-column={status} key={status}>
              <h3>
                {status} <span class="count">{missions.filter((m) => m.status === status).length}</span>
              </h3>
              {missions
                .filter((m) => m.status === status)
                .map((m) => (
                  <article class="mission" data-mission={m.id} key={m.id}>
                    <div class="mission-head">
                      <Pill kind={`prio-${m.priority}`}>{m.priority}</Pill>
                      <span class="mission-title">{m.title}</span>
                    </div>
                    <dl class="facts">
                      <dt>assignee</dt>
                      <dd>{m.assigneeId ?? '—'}</dd>
                      <dt>attempts</dt>
                      <dd>{m.attempts}</dd>
                      {m.leaseExpiresAt && (
                        <>
                          <dt>lease</dt>
                          <dd>{when(m.leaseExpiresAt)}</dd>
                        </>
                      )}
                    </dl>
                  </article>
                ))}
            </div>
          ))}
        </div>
      )}
    </main>
  );
}

render(<View />, document.getElementById('app')!);
