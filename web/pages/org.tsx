// The org chart, drawn as a tree: each agent a card under its manager, with its title, capabilities, status,
// liveness, the mission it holds and this month's spend against its budget.
import { get } from '../api.js';
import { OrgTree, type Extras, type OrgNode } from '../org-tree.js';
import { me } from '../state.js';
import { useData } from '../use-data.js';
import { Card, Empty, ErrorLine } from '../widgets.js';

export type { OrgNode };

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

export function OrgPage() {
  const { data, error } = useData(readOrg, ['hierarchy.changed', 'hierarchy.liveness', 'council.override', 'mission.lifecycle', 'ledger.spend_recorded', 'ledger.budget_set']);
  return (
    <Card title="Org chart" actions={me.value?.role === 'agent' ? <span class="muted">read-only</span> : null}>
      <ErrorLine error={error} />
      {data && data.roots.length === 0 && <Empty>No agents yet: place one with hierarchy_set.</Empty>}
      {data && data.roots.length > 0 && (
        <OrgTree roots={data.roots} extras={data.extras} spendVisible={data.spendVisible} />
      )}
    </Card>
  );
}
