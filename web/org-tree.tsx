// The org chart's tree, drawn from hierarchy_tree's {roots}: used by the dashboard's page and by the MCP App
// view. It reads nothing itself; what it shows beyond the tree (missions held, spend) is handed in.
import { money, pct } from './format.js';
import { Bar, Pill } from './widgets.js';

/** A node as hierarchy_tree gives it: what is null, empty or false is left out (src/domain/hierarchy/model.ts). */
export interface OrgNode {
  agentId: string;
  title?: string;
  capabilities?: string[];
  rank: number;
  status: string;
  liveness?: string;
  region?: string;
  reports?: OrgNode[];
  truncated?: true;
}

export interface Extras {
  holding: Map<string, { id: string; title: string }>;
  spend: Map<string, { spentCents: number; limitCents: number | null; utilizationPct: number | null }>;
}

export const noExtras: Extras = { holding: new Map(), spend: new Map() };

export function AgentCard({ node, extras, spendVisible }: { node: OrgNode; extras: Extras; spendVisible: boolean }) {
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
        {(node.capabilities ?? []).map((c) => (
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

export function Branch({ node, extras, spendVisible }: { node: OrgNode; extras: Extras; spendVisible: boolean }) {
  return (
    <li>
      <AgentCard node={node} extras={extras} spendVisible={spendVisible} />
      {node.reports && (
        <ul>
          {node.reports.map((child) => (
            <Branch key={child.agentId} node={child} extras={extras} spendVisible={spendVisible} />
          ))}
        </ul>
      )}
    </li>
  );
}


/** The whole forest, each root with everyone under it. */
export const OrgTree = ({ roots, extras = noExtras, spendVisible = false }: { roots: OrgNode[]; extras?: Extras; spendVisible?: boolean }) => (
  <div class="tree-scroll">
    <ul class="tree" role="tree">
      {roots.map((root) => (
        <Branch key={root.agentId} node={root} extras={extras} spendVisible={spendVisible} />
      ))}
    </ul>
  </div>
);
