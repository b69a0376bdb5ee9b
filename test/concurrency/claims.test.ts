import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/db/sqlite/driver.js';
import { priorities } from '../../src/domain/directive/model.js';
import { httpClient, startHttp } from '../helpers/http.js';
import { tempDb } from '../helpers/processes.js';

// The Aragora scheduler's promise, across processes: 8 HTTP server processes on one SQLite file, 40 MCP
// clients (5 per process), each claiming as its own agent until nothing fits. Every mission must be handed
// out once, to an agent that has its capabilities, and each agent must get the most urgent work it can take.
const PROCESSES = 8;
const CLIENTS = 40;
const MISSIONS = 1_000;
const CAPABILITIES = ['python', 'go', 'sql', 'web'];

const db = tempDb();
let servers: Awaited<ReturnType<typeof startHttp>>[] = [];
let clients: Awaited<ReturnType<typeof httpClient>>[] = [];
let realmId: string;

/** Agent i's capabilities: the first five hold all (so every mission has someone), the others one or two. */
const capabilitiesOf = (i: number) => (i < 5 ? CAPABILITIES : i % 3 === 0 ? [] : [CAPABILITIES[i % 4]!, ...(i % 2 ? [CAPABILITIES[(i + 1) % 4]!] : [])]);
/** Mission m's needs: none, one or two capabilities, spread over the four. */
const requiredOf = (m: number) => (m % 3 === 0 ? [] : m % 3 === 1 ? [CAPABILITIES[m % 4]!] : [CAPABILITIES[m % 4]!, CAPABILITIES[(m + 1) % 4]!]);

beforeAll(async () => {
  servers = await Promise.all(Array.from({ length: PROCESSES }, () => startHttp(db, ['--no-auth'])));
  clients = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => httpClient(servers[i % PROCESSES]!.url, null)));
  const admin = clients[0]!;
  realmId = (await admin.call('realm_create', { name: 'claims', owner: 'o' })).id;
  for (let i = 0; i < CLIENTS; i++) await admin.call('hierarchy_set', { realmId, agentId: `agent-${i}`, capabilities: capabilitiesOf(i) });
  for (let batch = 0; batch < MISSIONS; batch += 50) {
    await Promise.all(
      Array.from({ length: 50 }, (_, k) => batch + k).map((m) =>
        clients[m % CLIENTS]!.call('mission_create', {
          realmId, title: `m${m}`, createdBy: 'o', status: 'queued', priority: priorities[m % 4], requiredCapabilities: requiredOf(m),
        }),
      ),
    );
  }
}, 180_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => {})));
  await Promise.all(servers.map((s) => s.stop()));
});

interface Claim {
  missionId: string;
  agentId: string;
  priority: string;
  required: string[];
  fence: number;
}

describe(`${PROCESSES} processes, ${CLIENTS} clients claiming from ${MISSIONS} missions`, () => {
  it('hand every mission out once, to an agent with its capabilities, most urgent first', async () => {
    const claims: Claim[][] = await Promise.all(
      clients.map(async (client, i) => {
        const agentId = `agent-${i}`;
        const mine: Claim[] = [];
        for (;;) {
          const { mission, lease } = await client.call('mission_claim_next', { realmId, agentId });
          if (mission === null) return mine;
          expect(lease.fence).toBe(mission.fence);
          mine.push({ missionId: mission.id, agentId, priority: mission.priority, required: mission.requiredCapabilities, fence: mission.fence });
        }
      }),
    );
    const all = claims.flat();
    // Zero double assignment, nothing left behind.
    expect(all).toHaveLength(MISSIONS);
    expect(new Set(all.map((c) => c.missionId)).size).toBe(MISSIONS);
    for (const c of all) {
      const held = capabilitiesOf(Number(c.agentId.slice('agent-'.length)));
      expect(c.required.filter((r) => !held.includes(r)), `${c.agentId} lacks a capability of ${c.missionId}`).toEqual([]);
      expect(c.fence).toBe(1);
    }
    // No mission appears while claiming, so each agent's claims go from critical down, never back up.
    for (const mine of claims) {
      const ranks = mine.map((c) => priorities.indexOf(c.priority as (typeof priorities)[number]));
      expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    }
    // The work was shared out: the concurrent claimers did not all queue behind one.
    expect(claims.filter((mine) => mine.length > 0).length).toBeGreaterThan(CLIENTS / 2);

    // The database agrees with what the clients were told.
    const raw = new Database(db, { readonly: true });
    const rows = raw.prepare("SELECT id, assignee_id AS assigneeId, status, fence FROM missions WHERE realm_id = ?").all(realmId) as { id: string; assigneeId: string; status: string; fence: number }[];
    raw.close();
    const byId = new Map(all.map((c) => [c.missionId, c.agentId]));
    expect(rows).toHaveLength(MISSIONS);
    for (const row of rows) expect(row).toMatchObject({ status: 'active', assigneeId: byId.get(row.id), fence: 1 });

    // The audit chain took every claim without forking.
    const verdict = await clients[7]!.call('council_verify', { realmId });
    expect(verdict).toMatchObject({ valid: true });
  }, 300_000);
});
