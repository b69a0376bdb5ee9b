import { connect, type Caller } from './connect.js';

/**
 * The org of the hierarchy document's diagram, plus the "Tech Lead" its find example returns:
 *   agent-ceo (10) -> agent-cto (8) -> agent-dev-1 (5), agent-dev-2 (5), agent-dev-3 (6)
 *                  -> agent-cfo (8) -> agent-accountant (4)
 */
export async function seedOrg({ call }: Caller, realmId: string) {
  const nodes = [
    { agentId: 'agent-ceo', title: 'CEO', capabilities: ['leadership', 'strategy'], rank: 10 },
    { agentId: 'agent-cto', reportsTo: 'agent-ceo', title: 'CTO', capabilities: ['architecture', 'hiring'], rank: 8 },
    { agentId: 'agent-cfo', reportsTo: 'agent-ceo', title: 'CFO', capabilities: ['finance'], rank: 8 },
    { agentId: 'agent-dev-1', reportsTo: 'agent-cto', title: 'Senior Engineer', capabilities: ['rust', 'typescript', 'code-review'], rank: 5 },
    { agentId: 'agent-dev-2', reportsTo: 'agent-cto', title: 'Engineer', capabilities: ['typescript'], rank: 5 },
    { agentId: 'agent-dev-3', reportsTo: 'agent-cto', title: 'Tech Lead', capabilities: ['Code-Review', 'architecture'], rank: 6 },
    { agentId: 'agent-accountant', reportsTo: 'agent-cfo', title: 'Accountant', capabilities: ['bookkeeping'], rank: 4 },
  ];
  for (const node of nodes) await call('hierarchy_set', { realmId, ...node });
}

export async function newRealm({ call }: Caller, extra: Record<string, unknown> = {}) {
  return call<{ id: string; name: string; version: number }>('realm_create', { name: 'production', owner: 'admin', ...extra });
}

/** A session on a fresh database with one realm holding the seed org: the set-up most tool tests share. */
export async function orgSession() {
  const s = await connect();
  const realmId = (await newRealm(s)).id;
  await seedOrg(s, realmId);
  return { s, realmId };
}
