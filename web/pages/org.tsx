// The org chart, drawn as a tree: each agent a card under its manager, with its title, capabilities, status,
// liveness, the mission it holds and this month's spend against its budget.
import { get } from '../api.js';
import { money, pct } from '../format.js';
import { me } from '../state.js';
import { useData } from '../use-data.js';
import { Bar, Card, Empty, ErrorLine, Pill } from '../widgets.js';

export interface OrgNode {
  agentId: string;
  title: string | null;
  capabilities: string[];
  rank: number;
  status: string;
  liveness: string | null;
  region: string | null;
  reports: OrgNode[];
}

interface Extras {
  holding: Map<string, { id: string; title: string }>;
  spend: Map<string, { spentCents: number; limitCents: number | null; utilizationPct: number | null }>;
}

async function readOrg(realm: string) {
  const [tree, board, budget] = await Promise.all([
    get<{ roots: OrgNode[] }>(`/api/hierarchy/${realm}/tree`),
    get(`/api/missions/${realm}`, { status: 'active', limit: 1000 }).catch(() => null),
    // Agents may not read spend: the chart is drawn without it.
    get(`/api/dashboard/${realm}/budget`).catch(() => null),
  ]);
  const extras: Extras = { holding: new Map(), spend: new Map() };
  for (const m of board?.missions ?? []) if (m.assigneeId) extras.holding.set(m.assigneeId, { id: m.id, title: m.title });
  for (const row of budget?.summary?.breakdown ?? []) extras.spend.set(row.key, { spentCents: row.cents, limitCents: null, utilizationPct: null });
  for (const { budget: b, check } of budget?.budgets ?? []) {
    if (b.agentId) extras.spend.set(b.agentId, { spentCents: check.spentCents, limitCents: check.limitCents, utilizationPct: check.utilizationPct });
  }
  return { roots: tree.roots, extras, spendVisible: budget !== null };
}

function AgentCard({ node, extras, spendVisible }: { node: OrgNode; extras: Extras; spendVisible: boolean }) {
  const holding = extras.holding.get(node.agentId);
  const spend = extras.spend.get(node.agentId);
  return (
    <div class={`agent status-${node.status}`} data-agent={node.agentId}>
      <div class="agent-head">
        <span class={`dot live-${node.liveness ?? 'silent'}`} title={`liveness: ${node.liveness ?? 'no heartbeat yet'}`} />
        <strong>{node.title ?? node.agentId}</strong>
      </div>
      <div class="agent-id">{node.agentId}</div>
      <div class="chips">
        {node.capabilities.map((c) => (
          <span class="chip" key={c}>{c}</span>
        ))}
      </div>
      <div class="agent-meta">
        <Pill kind={node.status}>{node.status}</Pill>
        <Pill kind={`live-${node.liveness ?? 'silent'}`}>{node.liveness ?? 'silent'}</Pill>
      </div>
      <div class="agent-mission" title={holding?.title}>{holding ? `▶ ${holding.title}` : <span class="muted">no mission</span>}</div>
      {spendVisible && (
        <div class="agent-spend">
          {spend?.limitCents ? (
            <>
              <Bar value={spend.utilizationPct ?? 0} label={`${node.agentId} budget used`} />
              <span>
                {money(spend.spentCents)} / {money(spend.limitCents)} · {pct(spend.utilizationPct ?? 0)}
              </span>
            </>
          ) : (
            <span class="muted">{money(spend?.spentCents ?? 0)} this month · no budget</span>
          )}
        </div>
      )}
    </div>
  );
}

function Branch({ node, extras, spendVisible }: { node: OrgNode; extras: Extras; spendVisible: boolean }) {
  return (
    <li>
      <AgentCard node={node} extras={extras} spendVisible={spendVisible} />
      {node.reports.length > 0 && (
        <ul>
          {node.reports.map((child) => (
            <Branch key={child.agentId} node={child} extras={extras} spendVisible={spendVisible} />
          ))}
        </ul>
      )}
    </li>
  );
}

export function OrgPage() {
  const { data, error } = useData(readOrg, ['hierarchy.changed', 'hierarchy.liveness', 'council.override', 'mission.lifecycle', 'ledger.spend_recorded', 'ledger.budget_set']);
  return (
    <Card title="Org chart" actions={me.value?.role === 'agent' ? <span class="muted">read-only</span> : null}>
      <ErrorLine error={error} />
      {data && data.roots.length === 0 && <Empty>No agents yet: place one with hierarchy_set.</Empty>}
      {data && data.roots.length > 0 && (
        <div class="tree-scroll">
          <ul class="tree" role="tree">
            {data.roots.map((root) => (
              <Branch key={root.agentId} node={root} extras={data.extras} spendVisible={data.spendVisible} />
            ))}
          </ul>
        </div>
      )}
    </Card>
  );
}
