// The board: missions in columns by status, filtered by directive, assignee and capability, with the operator
// actions (release, requeue a dead letter, cancel) sent through the REST API as the signed-in token. A refusal
// is shown on the card as the API gave it.
import { useState } from 'preact/hooks';
import { api, ApiError, get } from '../api.js';
import { when } from '../format.js';
import { me } from '../state.js';
import { useData } from '../use-data.js';
import { Card, ErrorLine, Pill } from '../widgets.js';
import type { OrgNode } from './org.js';
import { columns, type Mission } from '../missions.js';

async function readBoard(realm: string) {
  const [board, directives, tree] = await Promise.all([
    get<{ board: Record<string, Mission[]>; counts: Record<string, number> }>(`/api/dashboard/${realm}/missions`),
    get<{ directives: { id: string; title: string }[] }>(`/api/directives/${realm}`, { limit: 1000 }),
    get<{ roots: OrgNode[] }>(`/api/hierarchy/${realm}/tree`),
  ]);
  const nodes: string[] = [];
  const walk = (n: OrgNode) => (nodes.push(n.agentId), n.reports?.forEach(walk));
  tree.roots.forEach(walk);
  return { ...board, directives: directives.directives, nodes };
}

type Action = { label: string; run: (m: Mission, actor: string | undefined) => Promise<unknown>; danger?: boolean };

/** The actions a card offers, by status; the API decides whether the token may. */
const actions: Record<string, Action[]> = {
  active: [{ label: 'Release', run: (m, agentId) => api('POST', `/api/missions/${m.id}/release`, { realmId: m.realmId, agentId }) }],
  blocked: [{ label: 'Release', run: (m, agentId) => api('POST', `/api/missions/${m.id}/release`, { realmId: m.realmId, agentId }) }],
  review: [{ label: 'Release', run: (m, agentId) => api('POST', `/api/missions/${m.id}/release`, { realmId: m.realmId, agentId }) }],
  failed: [{ label: 'Requeue', run: (m, agentId) => api('PATCH', `/api/missions/${m.id}/status`, { realmId: m.realmId, status: 'queued', agentId }) }],
};
const cancel: Action = {
  label: 'Cancel',
  danger: true,
  run: (m, agentId) => api('PATCH', `/api/missions/${m.id}/status`, { realmId: m.realmId, status: 'cancelled', agentId, reason: 'cancelled from the dashboard' }),
};
const actionsFor = (status: string) => [...(actions[status] ?? []), ...(['complete', 'cancelled'].includes(status) ? [] : [cancel])];

/**
 * Who an operator acts as: the assignee, else the creator when it is an agent, else the first root of the org
 * chart (a dead letter has no assignee, and the API lets an operator requeue it as any agent). An agent token
 * always acts as itself (the API fills it in).
 */
function actorFor(m: Mission, nodes: string[]): string | undefined {
  if (me.value?.role === 'agent') return undefined;
  return m.assigneeId ?? (nodes.includes(m.createdBy) ? m.createdBy : nodes[0]);
}

function MissionCard({ m, nodes, directive }: { m: Mission; nodes: string[]; directive: string | undefined }) {
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const act = async (action: Action) => {
    setBusy(true);
    setError(null);
    try {
      await action.run(m, actorFor(m, nodes));
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, 'internal', String(e), null));
    } finally {
      setBusy(false);
    }
  };
  return (
    <article class="mission" data-mission={m.id} data-status={m.status}>
      <div class="mission-head">
        <Pill kind={`prio-${m.priority}`}>{m.priority}</Pill>
        <span class="mission-title">{m.title}</span>
      </div>
      <dl class="facts">
        <dt>assignee</dt>
        <dd>{m.assigneeId ?? '—'}</dd>
        <dt>attempts</dt>
        <dd>
          {m.attempts}
          {m.maxAttempts ? ` / ${m.maxAttempts}` : ''}
        </dd>
        {m.leaseExpiresAt && (
          <>
            <dt>lease</dt>
            <dd>{when(m.leaseExpiresAt)}</dd>
          </>
        )}
        {m.retryAt && (
          <>
            <dt>retry</dt>
            <dd>{when(m.retryAt)}</dd>
          </>
        )}
        {directive && (
          <>
            <dt>goal</dt>
            <dd>{directive}</dd>
          </>
        )}
      </dl>
      {m.requiredCapabilities.length > 0 && (
        <div class="chips">
          {m.requiredCapabilities.map((c) => (
            <span class="chip" key={c}>{c}</span>
          ))}
        </div>
      )}
      {m.lastError && <p class="last-error">{m.lastError}</p>}
      <div class="mission-actions">
        {actionsFor(m.status).map((a) => (
          <button key={a.label} class={a.danger ? 'btn btn-danger' : 'btn'} disabled={busy} onClick={() => act(a)}>
            {a.label}
          </button>
        ))}
      </div>
      <ErrorLine error={error} />
    </article>
  );
}

export function BoardPage() {
  const [directive, setDirective] = useState('');
  const [assignee, setAssignee] = useState('');
  const [capability, setCapability] = useState('');
  const { data, error } = useData(readBoard, ['mission.lifecycle', 'directive.lifecycle', 'hierarchy.changed']);
  const all = data ? columns.flatMap((c) => data.board[c] ?? []) : [];
  const assignees = [...new Set(all.map((m) => m.assigneeId).filter((a): a is string => a !== null))].sort();
  const capabilities = [...new Set(all.flatMap((m) => m.requiredCapabilities))].sort();
  const titles = new Map(data?.directives.map((d) => [d.id, d.title]) ?? []);
  const shown = (m: Mission) =>
    (!directive || m.directiveId === directive) && (!assignee || m.assigneeId === assignee) && (!capability || m.requiredCapabilities.includes(capability));
  return (
    <Card
      title="Board"
      class="board-card"
      actions={
        <div class="filters">
          <select aria-label="directive" value={directive} onChange={(e) => setDirective(e.currentTarget.value)}>
            <option value="">every directive</option>
            {data?.directives.map((d) => (
              <option key={d.id} value={d.id}>{d.title}</option>
            ))}
          </select>
          <select aria-label="assignee" value={assignee} onChange={(e) => setAssignee(e.currentTarget.value)}>
            <option value="">every assignee</option>
            {assignees.map((a) => (
              <option key={a} value={a}>{a}</option>
            ))}
          </select>
          <select aria-label="capability" value={capability} onChange={(e) => setCapability(e.currentTarget.value)}>
            <option value="">every capability</option>
            {capabilities.map((c) => (
              <option key={c} value={c}>{c}</option>
            ))}
          </select>
        </div>
      }
    >
      <ErrorLine error={error} />
      {data && (
        <div class="columns">
          {columns.map((status) => {
            const missions = (data.board[status] ?? []).filter(shown);
            return (
              <div class="column" data-column={status} key={status}>
                <h3>
                  {status} <span class="count">{data.counts[status] ?? 0}</span>
                </h3>
                {missions.map((m) => (
                  <MissionCard key={`${m.id}:${m.version}`} m={m} nodes={data.nodes} directive={m.directiveId ? titles.get(m.directiveId) : undefined} />
                ))}
              </div>
            );
          })}
        </div>
      )}
    </Card>
  );
}
