// claim-next from several server processes on one SQLite file: every mission is handed out once, to an agent
// with its capabilities (the lead's 8-process, 40-client test is the big one; this one runs in seconds).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnServer, tempDb } from '../helpers/processes.js';

const PROCESSES = 3;
const AGENTS_PER_PROCESS = 3;
const MISSIONS = 90;
const db = tempDb();
let servers: Awaited<ReturnType<typeof spawnServer>>[];
let realmId: string;
const capsOf = (i: number) => (i % 2 === 0 ? ['gpu'] : []);

beforeAll(async () => {
  servers = await Promise.all(Array.from({ length: PROCESSES }, () => spawnServer(db)));
  const [first] = servers;
  realmId = (await first!.call('realm_create', { name: 'race', owner: 'o' })).id;
  for (let i = 0; i < PROCESSES * AGENTS_PER_PROCESS; i++) await first!.call('hierarchy_set', { realmId, agentId: `agent-${i}`, capabilities: capsOf(i) });
  for (let m = 0; m < MISSIONS; m++) {
    await first!.call('mission_create', {
      realmId, title: `m${m}`, createdBy: 'o', status: 'queued',
      priority: (['critical', 'high', 'normal', 'low'] as const)[m % 4], requiredCapabilities: m % 3 === 0 ? ['gpu'] : [],
    });
  }
}, 60_000);
afterAll(() => Promise.all(servers.map((s) => s.close())));

describe(`claim-next from ${PROCESSES} processes`, () => {
  it('hands each mission to exactly one agent that has its capabilities', async () => {
    const claims: { agent: number; id: string; caps: string[] }[] = [];
    await Promise.all(
      servers.flatMap((server, p) =>
        Array.from({ length: AGENTS_PER_PROCESS }, async (_, k) => {
          const agent = p * AGENTS_PER_PROCESS + k;
          for (;;) {
            const { mission } = await server.call('mission_claim_next', { realmId, agentId: `agent-${agent}` });
            if (!mission) return;
            claims.push({ agent, id: mission.id, caps: mission.requiredCapabilities });
          }
        }),
      ),
    );
    expect(claims).toHaveLength(MISSIONS);
    expect(new Set(claims.map((c) => c.id)).size).toBe(MISSIONS);
    for (const c of claims) for (const cap of c.caps) expect(capsOf(c.agent)).toContain(cap);
  }, 60_000);
});
