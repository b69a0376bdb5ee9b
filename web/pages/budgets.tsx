// Budgets: each budget's use this month as a bar (the realm's first), the month's burn as a chart, and the
// spend by model and by provider.
import { get } from '../api.js';
import { BurnChart } from '../burn-chart.js';
import { money, pct } from '../format.js';
import { useData } from '../use-data.js';
import { Bar, Card, Empty, ErrorLine } from '../widgets.js';

interface Row {
  key: string;
  cents: number;
  inputTokens: number;
  outputTokens: number;
  events: number;
}

async function readBudgets(realm: string) {
  const [overview, burn, byModel, byProvider] = await Promise.all([
    get(`/api/dashboard/${realm}/budget`),
    get<{ days: { day: string; cents: number; cumulativeCents: number }[] }>(`/api/dashboard/${realm}/burn`),
    get<{ breakdown: Row[] }>(`/api/ledger/summary/${realm}`, { groupBy: 'model' }),
    get<{ breakdown: Row[] }>(`/api/ledger/summary/${realm}`, { groupBy: 'provider' }),
  ]);
  return { overview, burn: burn.days, byModel: byModel.breakdown, byProvider: byProvider.breakdown };
}

function Breakdown({ title, rows }: { title: string; rows: Row[] }) {
  const total = rows.reduce((n, r) => n + r.cents, 0) || 1;
  return (
    <Card title={title}>
      {rows.length === 0 ? (
        <Empty>No spend this month.</Empty>
      ) : (
        <table class="table">
          <thead>
            <tr>
              <th>{title.split(' ').at(-1)}</th>
              <th class="num">spend</th>
              <th class="num">tokens in / out</th>
              <th class="share">share</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.key}>
                <td>{r.key}</td>
                <td class="num">{money(r.cents)}</td>
                <td class="num">
                  {r.inputTokens.toLocaleString()} / {r.outputTokens.toLocaleString()}
                </td>
                <td class="share">
                  <Bar value={(100 * r.cents) / total} soft={101} label={`${r.key} share`} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}

export function BudgetsPage() {
  const { data, error } = useData(readBudgets, ['ledger.spend_recorded', 'ledger.budget_set', 'ledger.alert']);
  const budgets = data ? [...data.overview.budgets].sort((a: any, b: any) => (a.budget.agentId === null ? -1 : b.budget.agentId === null ? 1 : a.budget.agentId.localeCompare(b.budget.agentId))) : [];
  return (
    <div class="stack">
      <ErrorLine error={error} />
      <div class="grid-2">
        <Card title="Utilisation this month">
          {data && budgets.length === 0 && <Empty>No budgets: set one with ledger_set_budget.</Empty>}
          <ul class="budgets">
            {budgets.map(({ budget, check }: any) => (
              <li key={budget.id} data-budget={budget.agentId ?? 'realm'}>
                <div class="budget-line">
                  <strong>{budget.agentId ?? 'Realm total'}</strong>
                  <span>
                    {money(check.spentCents)} of {money(check.limitCents)} · {pct(check.utilizationPct)}
                    {check.alert && <span class={`pill pill-alert-${check.alert}`}>{check.alert}</span>}
                  </span>
                </div>
                <Bar value={check.utilizationPct} soft={budget.softThreshold * 100} label={`${budget.agentId ?? 'realm'} budget used`} />
              </li>
            ))}
          </ul>
        </Card>
        <Card title="Burn this month">{data && <BurnChart days={data.burn} />}</Card>
      </div>
      <div class="grid-2">
        <Breakdown title="Spend by model" rows={data?.byModel ?? []} />
        <Breakdown title="Spend by provider" rows={data?.byProvider ?? []} />
      </div>
    </div>
  );
}
