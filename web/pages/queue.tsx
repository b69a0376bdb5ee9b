// The queue: what is claimable, waiting, held and dead, by priority, how long the oldest has waited, and the
// agents by liveness (each listed under its state).
import { get } from '../api.js';
import { useData } from '../use-data.js';
import { Card, ErrorLine, Pill } from '../widgets.js';
import type { OrgNode } from './org.js';

const groups = ['queued', 'retrying', 'blocked', 'active', 'failed'] as const;
const priorities = ['critical', 'high', 'normal', 'low'] as const;
const states = ['ready', 'busy', 'starting', 'draining', 'offline', 'failed', 'silent'] as const;

async function readQueue(realm: string) {
  const [queue, tree] = await Promise.all([get(`/api/missions/${realm}/queue`), get<{ roots: OrgNode[] }>(`/api/hierarchy/${realm}/tree`)]);
  const byState: Record<string, OrgNode[]> = {};
  const walk = (n: OrgNode) => {
    if (n.status !== 'terminated') (byState[n.liveness ?? 'silent'] ??= []).push(n);
    n.reports?.forEach(walk);
  };
  tree.roots.forEach(walk);
  return { queue, byState };
}

const waited = (secs: number | null) => (secs == null ? '—' : secs < 60 ? `${secs} s` : secs < 3600 ? `${Math.round(secs / 60)} min` : `${(secs / 3600).toFixed(1)} h`);

export function QueuePage() {
  const { data, error } = useData(readQueue, ['mission.lifecycle', 'hierarchy.changed', 'hierarchy.liveness']);
  return (
    <div class="stack">
      <ErrorLine error={error} />
      {data && (
        <>
          <div class="stats">
            {groups.map((g) => (
              <div class={`stat stat-${g}`} key={g} data-stat={g}>
                <span class="stat-label">{g === 'failed' ? 'dead letters' : g}</span>
                <span class="stat-value">{data.queue.missions[g].total}</span>
                <span class="stat-sub">
                  {priorities
                    .filter((p) => data.queue.missions[g].byPriority[p])
                    .map((p) => `${data.queue.missions[g].byPriority[p]} ${p}`)
                    .join(' · ') || '—'}
                </span>
              </div>
            ))}
            <div class="stat">
              <span class="stat-label">oldest waiting</span>
              <span class="stat-value">{waited(data.queue.oldestWaitingSecs)}</span>
              <span class="stat-sub">queued, claimable</span>
            </div>
          </div>
          <Card title="Agents by liveness">
            <div class="liveness">
              {states.map((s) => (
                <div class="liveness-col" key={s} data-liveness={s}>
                  <h3>
                    <span class={`dot live-${s}`} /> {s} <span class="count">{data.queue.agents[s] ?? 0}</span>
                  </h3>
                  {(data.byState[s] ?? []).map((n) => (
                    <div class="liveness-agent" key={n.agentId}>
                      <strong>{n.agentId}</strong> <span class="muted">{n.title}</span> {n.region && <Pill kind="region">{n.region}</Pill>}
                    </div>
                  ))}
                </div>
              ))}
            </div>
          </Card>
        </>
      )}
    </div>
  );
}
