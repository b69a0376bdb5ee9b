// A small company to look at: one realm with an org chart of five agents (two of them beating), budgets,
// this month's spend by three models, missions in several columns, and two pulses. Made through the REST API with an admin
// token, as an operator would.
import { api } from '../helpers/http.js';

export interface Seeded {
  realmId: string;
  missions: Record<'queued' | 'active' | 'failed' | 'backlog', string>;
}

export async function seedCompany(url: string, token: string | null): Promise<Seeded> {
  const call = async (method: string, path: string, body?: unknown) => {
    const answer = await api(url, token, method, path, body);
    if (answer.status !== 200) throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  };
  const realm = await call('POST', '/api/realms', { name: 'Acme Robotics', owner: 'human:ceo' });
  const realmId: string = realm.id;
  const agents = [
    { agentId: 'agent-ceo', title: 'CEO', capabilities: ['strategy'], rank: 10 },
    { agentId: 'agent-cto', reportsTo: 'agent-ceo', title: 'CTO', capabilities: ['architecture', 'code'], rank: 8 },
    { agentId: 'agent-cfo', reportsTo: 'agent-ceo', title: 'CFO', capabilities: ['finance'], rank: 8 },
    { agentId: 'agent-dev1', reportsTo: 'agent-cto', title: 'Engineer', capabilities: ['code', 'tests'], rank: 3 },
    { agentId: 'agent-dev2', reportsTo: 'agent-cto', title: 'Engineer', capabilities: ['code'], rank: 3 },
  ];
  for (const agent of agents) await call('POST', '/api/hierarchy', { realmId, ...agent });
  await call('POST', `/api/hierarchy/${realmId}/agent-dev1/heartbeat`, { state: 'ready', region: 'eu-west' });
  await call('POST', `/api/hierarchy/${realmId}/agent-cto/heartbeat`, { state: 'busy' });
  await call('POST', '/api/ledger/budget', { realmId, monthlyCents: 50_000 });
  await call('POST', '/api/ledger/budget', { realmId, agentId: 'agent-cto', monthlyCents: 10_000 });
  await call('POST', '/api/ledger/budget', { realmId, agentId: 'agent-dev1', monthlyCents: 5_000 });
  const spend = [
    ['agent-cto', 4_200, 'anthropic', 'claude-sonnet-4'],
    ['agent-dev1', 3_900, 'anthropic', 'claude-sonnet-4'],
    ['agent-dev1', 450, 'openai', 'gpt-5-mini'],
    ['agent-ceo', 1_250, 'openai', 'gpt-5'],
  ] as const;
  for (const [agentId, costCents, provider, model] of spend) {
    await call('POST', '/api/ledger/spend', { realmId, agentId, costCents, provider, model, inputTokens: costCents * 40, outputTokens: costCents * 8 });
  }
  const directive = await call('POST', '/api/directives', { realmId, title: 'Ship the v2 robot arm', level: 'realm', priority: 'high' });
  const mission = (title: string, extra: Record<string, unknown> = {}) =>
    call('POST', '/api/missions', { realmId, title, createdBy: 'human:ceo', directiveId: directive.id, status: 'queued', ...extra });
  const queued = await mission('Write the gripper firmware', { priority: 'critical', requiredCapabilities: ['code'] });
  await mission('Budget review for Q3', { priority: 'normal', requiredCapabilities: ['finance'] });
  const backlog = await mission('Evaluate new servo vendors', { status: 'backlog', priority: 'low' });
  const active = await mission('Design the arm controller API', { priority: 'high' });
  await call('POST', `/api/missions/${active.id}/checkout`, { realmId, agentId: 'agent-cto' });
  const failing = await mission('Calibrate the torque sensors', { priority: 'high', maxAttempts: 1 });
  await call('POST', `/api/missions/${failing.id}/checkout`, { realmId, agentId: 'agent-dev2' });
  await call('POST', `/api/missions/${failing.id}/fail`, { realmId, agentId: 'agent-dev2', reason: 'sensor bus timeout', retryable: false });
  // A weekly pulse for the CFO and a weekday one for the CTO (a runtime that only prints: nothing fires during a test).
  const runtime = await call('POST', '/api/bridge/runtimes', { kind: 'process', name: 'echo', realmId, command: process.execPath, args: ['-e', 'console.log("ok")'] });
  await call('POST', '/api/pulse/register', { realmId, agentId: 'agent-cfo', cron: '0 9 * * 1', runtimeId: runtime.id, timezone: 'Europe/Paris' });
  await call('POST', '/api/pulse/register', { realmId, agentId: 'agent-cto', cron: '30 8 * * 1-5', runtimeId: runtime.id });
  return { realmId, missions: { queued: queued.id, active: active.id, failed: failing.id, backlog: backlog.id } };
}
