// Idempotency keys through a real MCP client (and REST over HTTP, and a second process on the same database):
// repeats return the first result and do the work once; another input under a key is a conflict.
import { afterEach, describe, expect, it } from 'vitest';
import { catalogue } from '../../src/tools/catalogue.js';
import { ABANDONED_AFTER_MS, inputHash } from '../../src/domain/idempotency.js';
import { agentPrincipal } from '../../src/domain/principal.js';
import { toolName } from '../../src/tools/declaration.js';
import { fakeClock } from '../helpers/clock.js';
import { connect } from '../helpers/connect.js';
import { databaseOf } from '../helpers/engine.js';
import { api, makeToken, startHttp } from '../helpers/http.js';
import { seedOrg } from '../helpers/org.js';
import { spawnServer, tempDb } from '../helpers/processes.js';
import { rawSql } from '../helpers/raw-sql.js';

type Session = Awaited<ReturnType<typeof connect>>;
const open: { close(): Promise<void> }[] = [];
afterEach(async () => void (await Promise.all(open.splice(0).map((s) => s.close()))));

async function session(options: Parameters<typeof connect>[0] = {}) {
  const s = await connect(options);
  open.push(s);
  const realmId = (await s.call('realm_create', { name: 'r', owner: 'o' })).id as string;
  await seedOrg(s, realmId);
  return { s, realmId };
}

const missions = async (s: Pick<Session, 'call'>, realmId: string) => (await s.call('mission_list', { realmId, limit: 100 })).count as number;
const errorOf = (r: { content: unknown }) => JSON.parse((r.content as { text: string }[])[0]!.text).error;

describe('a repeated call with the same key', () => {
  it('returns the first result and creates one mission', async () => {
    const { s, realmId } = await session();
    const input = { realmId, title: 'Ship it', createdBy: 'o', idempotencyKey: 'k-1' };
    const first = await s.call('mission_create', input);
    // The same input in another key order, with the default written out: the same validated input.
    const again = await s.call('mission_create', { idempotencyKey: 'k-1', priority: 'normal', createdBy: 'o', title: 'Ship it', realmId });
    expect(again).toEqual(first);
    expect(await missions(s, realmId)).toBe(1);
    // Without a key, or with another, a call is a new call.
    await s.call('mission_create', { realmId, title: 'Ship it', createdBy: 'o' });
    await s.call('mission_create', { ...input, idempotencyKey: 'k-2' });
    expect(await missions(s, realmId)).toBe(3);
  });

  it('of mission_claim_next hands out one mission, and repeats it after the answer was lost', async () => {
    const { s, realmId } = await session();
    for (const title of ['A', 'B']) await s.call('mission_create', { realmId, title, createdBy: 'o', status: 'queued' });
    const input = { realmId, agentId: 'agent-dev-1', idempotencyKey: 'claim-1' };
    const first = await s.call('mission_claim_next', input);
    expect(first.mission).not.toBeNull();
    // The retry of a claim whose answer was lost gets the same mission, not a second one.
    expect(await s.call('mission_claim_next', input)).toEqual(first);
    const queued = await s.call('mission_list', { realmId, status: 'queued' });
    expect(queued.count).toBe(1);
    // A new key is a new claim.
    const second = await s.call('mission_claim_next', { ...input, idempotencyKey: 'claim-2' });
    expect(second.mission.id).not.toBe(first.mission.id);
  });

  it('with another input is conflict, and changes nothing', async () => {
    const { s, realmId } = await session();
    const first = await s.call('mission_create', { realmId, title: 'A', createdBy: 'o', idempotencyKey: 'k' });
    const error = await s.fail('mission_create', { realmId, title: 'B', createdBy: 'o', idempotencyKey: 'k' });
    expect(error).toMatchObject({ code: 'conflict', details: { field: 'idempotencyKey', key: 'k', reason: 'input_differs' } });
    // Another function under the same key is another input too.
    const other = await s.fail('directive_create', { realmId, title: 'A', level: 'realm', idempotencyKey: 'k' });
    expect(other).toMatchObject({ code: 'conflict', details: { reason: 'input_differs', function: 'mission_create' } });
    const list = await s.call('mission_list', { realmId });
    expect(list.missions.map((m: { id: string }) => m.id)).toEqual([first.id]);
    expect((await s.call('directive_list', { realmId })).count).toBe(0);
  });

  it('that failed is not kept: the retry runs again', async () => {
    const { s, realmId } = await session();
    await s.call('realm_update', { id: realmId, status: 'suspended' });
    const input = { realmId, title: 'A', createdBy: 'o', idempotencyKey: 'k' };
    expect((await s.fail('mission_create', input)).code).toBe('realm_suspended');
    await s.call('realm_update', { id: realmId, status: 'active' });
    const created = await s.call('mission_create', input);
    expect(created.title).toBe('A');
    expect(await missions(s, realmId)).toBe(1);
  });

  it('is independent in two realms', async () => {
    const { s, realmId } = await session();
    const other = (await s.call('realm_create', { name: 'r2', owner: 'o' })).id;
    const a = await s.call('mission_create', { realmId, title: 'A', createdBy: 'o', idempotencyKey: 'k' });
    const b = await s.call('mission_create', { realmId: other, title: 'B', createdBy: 'o', idempotencyKey: 'k' });
    expect(b.id).not.toBe(a.id);
    expect([await missions(s, realmId), await missions(s, other)]).toEqual([1, 1]);
  });

  it('is shared by the realm\'s callers, but an agent\'s input names it: another agent\'s repeat is conflict', async () => {
    const { s, realmId } = await session();
    const [dev1, dev2] = await Promise.all(['agent-dev-1', 'agent-dev-2'].map((id) => connect({ app: s.app, principal: agentPrincipal(realmId, id) })));
    open.push(dev1!, dev2!);
    const proposal = { kind: 'custom', title: 'A', idempotencyKey: 'k' };
    const first = await dev1!.call('council_submit', proposal);
    expect(first.requestedBy).toBe('agent-dev-1');
    expect(await dev1!.call('council_submit', proposal)).toEqual(first);
    expect(await dev2!.fail('council_submit', proposal)).toMatchObject({ code: 'conflict', details: { reason: 'input_differs' } });
    expect((await s.call('council_proposals', { realmId })).count).toBe(1);
  });

  it('keeps the result as the tool returned it: a runtime\'s secrets stay redacted', async () => {
    const { s, realmId } = await session();
    const input = { kind: 'http', name: 'h', url: 'http://127.0.0.1:9/', realmId, headers: { authorization: 'Bearer sekrit-123' }, idempotencyKey: 'rt' };
    const first = await s.call('bridge_register', input);
    expect(first.headers.authorization).toBe('[REDACTED]');
    expect(await s.call('bridge_register', input)).toEqual(first);
    const rows = await rawSql(s.app).all('SELECT * FROM idempotency_keys');
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain('sekrit');
  });

  it('outside a realm (realm_create) is kept too', async () => {
    const s = await connect();
    open.push(s);
    const first = await s.call('realm_create', { name: 'once', owner: 'o', idempotencyKey: 'realm-k' });
    expect(await s.call('realm_create', { name: 'once', owner: 'o', idempotencyKey: 'realm-k' })).toEqual(first);
    expect((await s.call('realm_list', {})).count).toBe(1);
    // Deleting the realm forgets the key that made it: a repeat makes a new realm instead of naming a gone one.
    await s.call('realm_delete', { id: first.id, confirm: 'once' });
    const again = await s.call('realm_create', { name: 'once', owner: 'o', idempotencyKey: 'realm-k' });
    expect(again.id).not.toBe(first.id);
    expect((await s.call('realm_list', {})).realms.map((r: { id: string }) => r.id)).toEqual([again.id]);
  });

  it('is kept 24 hours; then the key is new, and expired keys are pruned', async () => {
    const clock = fakeClock('2026-11-20T10:00:00.000Z');
    const { s, realmId } = await session({ clock });
    const input = { realmId, title: 'A', createdBy: 'o', idempotencyKey: 'k' };
    const first = await s.call('mission_create', input);
    clock.advance(24 * 3600_000 - 1);
    expect((await s.call('mission_create', input)).id).toBe(first.id);
    clock.advance(2);
    const later = await s.call('mission_create', input);
    expect(later.id).not.toBe(first.id);
    expect(await missions(s, realmId)).toBe(2);
    // A new key's reservation deletes the keys past 24 hours.
    await s.call('mission_create', { ...input, idempotencyKey: 'k-old' });
    clock.advance(24 * 3600_000 + 1);
    await s.call('mission_create', { ...input, idempotencyKey: 'k-new' });
    expect(await rawSql(s.app).all('SELECT key FROM idempotency_keys ORDER BY key')).toEqual([{ key: 'k-new' }]);
  });

  it('left pending by a process that died is in progress for a minute, then runs again', async () => {
    const clock = fakeClock('2026-11-20T10:00:00.000Z');
    const { s, realmId } = await session({ clock });
    const input = { realmId, title: 'A', createdBy: 'o' };
    // What a process that reserved the key and died before finishing leaves (the validated input's hash).
    await rawSql(s.app).run("INSERT INTO idempotency_keys (realm_id, key, function, input_hash, state, result, created_at) VALUES (?, 'dead', 'mission_create', ?, 'pending', NULL, ?)",
      realmId, inputHash({ ...input, priority: 'normal', status: 'backlog' }), clock.now().toISOString());
    clock.advance(ABANDONED_AFTER_MS);
    expect(await s.fail('mission_create', { ...input, idempotencyKey: 'dead' })).toMatchObject({ code: 'conflict', details: { reason: 'in_progress' } });
    expect(await missions(s, realmId)).toBe(0);
    clock.advance(1);
    const created = await s.call('mission_create', { ...input, idempotencyKey: 'dead' });
    expect(await s.call('mission_create', { ...input, idempotencyKey: 'dead' })).toEqual(created);
    expect(await missions(s, realmId)).toBe(1);
  });

  it('20 at once create exactly one; the others get its result or in_progress', async () => {
    const { s, realmId } = await session();
    const input = { realmId, title: 'A', createdBy: 'o', idempotencyKey: 'burst' };
    const results = await Promise.all(Array.from({ length: 20 }, () => s.client.callTool({ name: 'mission_create', arguments: input })));
    const ok = results.filter((r) => !r.isError).map((r) => (r.structuredContent as { id: string }).id);
    expect(ok.length).toBeGreaterThan(0);
    expect(new Set(ok).size).toBe(1);
    for (const r of results.filter((x) => x.isError)) expect(errorOf(r)).toMatchObject({ code: 'conflict', details: { reason: 'in_progress' } });
    expect(await missions(s, realmId)).toBe(1);
    // Once the first has finished, every repeat gets its result.
    expect((await s.call('mission_create', input)).id).toBe(ok[0]);
  });
});

describe('a key on one database', () => {
  it('is seen by a second process, also when both call at once', async () => {
    const { s, realmId } = await session({ db: tempDb() });
    const other = await spawnServer(databaseOf(s.app));
    open.push(other);
    const first = await s.call('mission_create', { realmId, title: 'A', createdBy: 'o', idempotencyKey: 'k' });
    expect(await other.call('mission_create', { realmId, title: 'A', createdBy: 'o', idempotencyKey: 'k' })).toEqual(first);
    const input = { realmId, title: 'B', createdBy: 'o', idempotencyKey: 'both' };
    const results = await Promise.all([s, other].flatMap((c) => Array.from({ length: 10 }, () => c.client.callTool({ name: 'mission_create', arguments: input }))));
    const ok = new Set(results.filter((r) => !r.isError).map((r) => (r.structuredContent as { id: string }).id));
    expect(ok.size).toBe(1);
    for (const r of results.filter((x) => x.isError)) expect(errorOf(r)).toMatchObject({ code: 'conflict', details: { reason: 'in_progress' } });
    expect(await missions(s, realmId)).toBe(2);
  }, 30_000);
});

describe('the Idempotency-Key header over REST', () => {
  it('acts as the body field; a different body field is invalid_input; a function without keys refuses it', async () => {
    const db = tempDb();
    const setup = await spawnServer(db);
    const realmId = (await setup.call('realm_create', { name: 'rest', owner: 'o' })).id;
    await setup.close();
    const token = makeToken(db, 'admin');
    const server = await startHttp(db);
    open.push({ close: server.stop });
    const post = (body: unknown, headers: Record<string, string>) => api(server.url, token, 'POST', '/api/missions', body, headers);
    const body = { realmId, title: 'A', createdBy: 'o' };
    const first = await post(body, { 'Idempotency-Key': 'h-1' });
    expect(first.status).toBe(200);
    const again = await post(body, { 'Idempotency-Key': 'h-1' });
    expect(again.body).toEqual(first.body);
    // The header and the body field name one key.
    expect((await post({ ...body, idempotencyKey: 'h-1' }, {})).body).toEqual(first.body);
    const mismatch = await post({ ...body, idempotencyKey: 'h-2' }, { 'Idempotency-Key': 'h-1' });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.error).toMatchObject({ code: 'invalid_input', details: { field: 'Idempotency-Key' } });
    const conflict = await post({ ...body, title: 'B' }, { 'Idempotency-Key': 'h-1' });
    expect(conflict.status).toBe(409);
    expect((await api(server.url, token, 'GET', `/api/missions/${realmId}`)).body.count).toBe(1);
    const openapi = (await api(server.url, token, 'GET', '/api/openapi.json')).body;
    expect(openapi.paths['/api/missions'].post.parameters).toEqual([expect.objectContaining({ in: 'header', name: 'Idempotency-Key' })]);
    expect(openapi.paths['/api/realms/{id}'].patch.parameters ?? []).not.toContainEqual(expect.objectContaining({ name: 'Idempotency-Key' }));
    const refused = await api(server.url, token, 'PATCH', `/api/realms/${realmId}`, { name: 'x' }, { 'Idempotency-Key': 'h-3' });
    expect(refused.body.error).toMatchObject({ code: 'invalid_input', details: { field: 'Idempotency-Key' } });
  }, 30_000);
});

describe('tools/list', () => {
  it('shows idempotencyKey on exactly the idempotent functions', async () => {
    const s = await connect();
    open.push(s);
    const keyed = s.tools.filter((t) => 'idempotencyKey' in (t.inputSchema.properties ?? {})).map((t) => t.name).sort();
    expect(keyed).toEqual(catalogue.filter((d) => d.idempotent).map((d) => toolName(d.id)).sort());
    expect(keyed).toEqual(['bridge_invoke', 'bridge_register', 'council_submit', 'directive_create', 'ledger_spend', 'mission_claim_next', 'mission_create', 'pulse_invoke', 'realm_create']);
    // Described once, in the server's guide; the schema only bounds it.
    expect(s.tools.find((t) => t.name === 'mission_create')!.inputSchema.properties!.idempotencyKey).toEqual({ type: 'string', minLength: 1, maxLength: 200 });
  });
});
