import { completable, ProtocolError, ProtocolErrorCode, type McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { App } from '../app.js';
import type { DomainContext } from '../domain/context.js';
import { agentContext } from '../domain/pulse/context.js';
import { listRealms } from '../domain/realm/lifecycle.js';
import { DomainError } from '../domain/errors.js';
import { seesRealm, type Principal } from '../domain/principal.js';
import { outsideRealm } from '../tools/authorize.js';
import { asDomainError } from '../tools/dispatch.js';
import { holds, type Permission } from '../tools/permissions.js';

type Briefing = Exclude<Awaited<ReturnType<typeof agentContext>>, { mode: 'thin' }>;

const list = (items: { id: string; title: string; priority: string }[]) =>
  items.length ? items.map((m) => `- ${m.title} (${m.priority}, ${m.id})`).join('\n') : '- none';

/** The briefing as text an agent can start from: a readable summary, then the full context as JSON. */
export function briefingText(b: Briefing): string {
  const chain = b.chainOfCommand.map((n) => `${n.agentId}${n.title ? ` (${n.title})` : ''}`).join(' → ');
  const budget = b.budget.scope === 'none' ? 'no budget set' : `${b.budget.spentCents} of ${b.budget.limitCents} cents used this month (${b.budget.scope}), ${b.budget.allowed ? 'within budget' : 'OVER BUDGET: do not start paid work'}`;
  return [
    `You are ${b.agentId}${b.node.title ? `, ${b.node.title}` : ''}, in realm ${b.realmId}. Status: ${b.node.status}. Capabilities: ${b.node.capabilities.join(', ') || 'none'}.`,
    `Chain of command: ${chain}.`,
    b.liveness.state === null
      ? `Liveness: none (you have never sent hierarchy_heartbeat; if you do, send it every ${b.liveness.heartbeatIntervalSecs} s).`
      : `Liveness: ${b.liveness.state}. Send hierarchy_heartbeat every ${b.liveness.heartbeatIntervalSecs} s, or you go offline and get no work.`,
    `Budget: ${budget}.`,
    '',
    `Your active missions:\n${list(b.missions.active)}`,
    `In review:\n${list(b.missions.review)}`,
    `Blocked:\n${list(b.missions.blocked)}`,
    `Queued missions you could take (mission_checkout):\n${list(b.takeableMissions)}`,
    `Directives that apply to you:\n${list(b.directives)}`,
    '',
    'Full context (JSON):',
    JSON.stringify(b, null, 2),
  ].join('\n');
}

/** Who may be briefed: an operator on its realm's agents, an agent on itself (and nothing for other roles). */
const BRIEFING: Permission = 'control_plane:missions:read';

function refusal(principal: Principal, realmId: string, agentId: string) {
  if (!seesRealm(principal, realmId)) return outsideRealm(principal, realmId);
  if (principal.role === 'agent' && agentId !== principal.id) {
    return new DomainError('forbidden', `agent ${principal.id} may read its own briefing only`, { reason: 'not_yourself', field: 'agentId' });
  }
  return null;
}

/** The agent_briefing prompt: the context an agent needs to start work, the same a pulse sends. */
export function registerBriefing(mcp: McpServer, app: App, ctx: DomainContext) {
  const { principal } = ctx;
  if (!holds(principal.role, BRIEFING)) return;
  mcp.registerPrompt(
    'agent_briefing',
    {
      title: 'Agent briefing',
      description: 'Everything an agent needs to start work: its chain of command, its missions and those it could take, the directives that apply to it, and its budget.',
      // completable() must be the outermost wrapper of each argument, or completion silently returns nothing.
      argsSchema: z.object({
        realmId: completable(z.string().describe('The realm id'), async (value) =>
          (await listRealms(ctx, { limit: 1000 })).realms.map((r) => r.id).filter((id) => id.startsWith(value ?? '')),
        ),
        agentId: completable(z.string().describe('The agent id'), async (value, context) => {
          const realmId = context?.arguments?.realmId;
          if (!realmId || !seesRealm(principal, realmId)) return [];
          if (principal.role === 'agent') return principal.id.startsWith(value ?? '') ? [principal.id] : [];
          const nodes = await ctx.store.read((tx) => tx.nodes.org(realmId, null));
          return nodes.map((n) => n.agentId).filter((id) => id.startsWith(value ?? ''));
        }),
      }),
    },
    async ({ realmId, agentId }) => {
      try {
        const refused = refusal(principal, realmId, agentId);
        if (refused) throw refused;
        const briefing = (await agentContext(ctx, realmId, agentId, 'full')) as Briefing;
        return {
          description: `Briefing for ${agentId} in ${realmId}`,
          messages: [{ role: 'user' as const, content: { type: 'text' as const, text: briefingText(briefing) } }],
        };
      } catch (error) {
        const domain = asDomainError(error, app.logger, 'prompts/get agent_briefing');
        throw new ProtocolError(domain.code === 'internal' ? ProtocolErrorCode.InternalError : ProtocolErrorCode.InvalidParams, domain.message, { code: domain.code, ...domain.details });
      }
    },
  );
}
