import canonicalize from 'canonicalize';
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendAudit } from '../../src/domain/audit/chain.js';
import { verifyChain } from '../../src/domain/audit/verify.js';
import { localAdmin } from '../../src/domain/principal.js';
import { connect } from '../helpers/connect.js';
import { newRealm, seedOrg } from '../helpers/org.js';
import { rawSql, type RawSql } from '../helpers/raw-sql.js';

let s: Awaited<ReturnType<typeof connect>>;
let realmId: string;
let db: RawSql;
const verify = (extra: Record<string, number> = {}) => verifyChain({ store: s.app.store, clock: s.app.clock, principal: localAdmin }, { realmId, ...extra });
const rows = () => db.all('SELECT * FROM audit_entries WHERE realm_id = ? ORDER BY seq', realmId);

beforeEach(async () => {
  s = await connect();
  realmId = (await newRealm(s)).id;
  await seedOrg(s, realmId);
  const m = await s.call('mission_create', { realmId, title: 'Build', createdBy: 'agent-cto', status: 'queued' });
  await s.call('mission_checkout', { realmId, id: m.id, agentId: 'agent-dev-1' });
  await s.call('mission_comment', { realmId, missionId: m.id, authorId: 'agent-dev-1', body: 'started' });
  db = rawSql(s.app);
});
afterEach(() => s.close());

describe('the audit chain', () => {
  it('appends one entry per mutation with the fixed action names and actors', async () => {
    const entries = await rows();
    expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i + 1));
    expect(entries.map((e) => e.action)).toEqual(['created', ...Array(7).fill('created'), 'created', 'checked_out', 'commented']);
    expect(entries[0]).toMatchObject({ actor_kind: 'human', actor_id: 'admin', entity_type: 'realm' });
    expect(entries[1]).toMatchObject({ actor_kind: 'human', actor_id: 'human:local', entity_type: 'agent', entity_id: 'agent-ceo' });
    expect(entries[9]).toMatchObject({ actor_kind: 'agent', actor_id: 'agent-dev-1', action: 'checked_out' });
    expect(entries[0]!.prev_hash).toBe('0'.repeat(64));
    for (let i = 1; i < entries.length; i++) expect(entries[i]!.prev_hash).toBe(entries[i - 1]!.hash);
  });

  it('hashes the RFC 8785 canonical JSON of every stored field', async () => {
    for (const e of await rows()) {
      const canonical = canonicalize({
        id: e.id, seq: e.seq, prevHash: e.prev_hash, timestamp: e.timestamp, realmId: e.realm_id, actorKind: e.actor_kind,
        actorId: e.actor_id, action: e.action, entityType: e.entity_type, entityId: e.entity_id,
        details: e.details === null ? null : JSON.parse(e.details),
      })!;
      expect(createHash('sha256').update(canonical, 'utf8').digest('hex')).toBe(e.hash);
      if (e.details !== null) expect(e.details).toBe(canonicalize(JSON.parse(e.details)));
    }
  });

  it('verifies an intact chain, whole or in part', async () => {
    const all = await rows();
    expect(await verify()).toEqual({ valid: true, entryCount: all.length, headHash: all.at(-1)!.hash, firstInvalidSeq: null, reason: null });
    expect(await verify({ fromSeq: 3, toSeq: 5 })).toMatchObject({ valid: true, entryCount: 3, headHash: all[4]!.hash });
  });

  // Changing any byte of any stored field is detected, at that entry.
  const tamper: [string, string][] = [
    ['details', "UPDATE audit_entries SET details = replace(details, 'cmt-', 'cmt_') WHERE realm_id = ? AND seq = ?"],
    ['details', "UPDATE audit_entries SET details = replace(details, '\"rank\":5', '\"rank\":6') WHERE realm_id = ? AND seq = ?"],
    ['actor_id', "UPDATE audit_entries SET actor_id = 'agent-dev-2' WHERE realm_id = ? AND seq = ?"],
    ['timestamp', "UPDATE audit_entries SET timestamp = replace(timestamp, 'Z', '1Z') WHERE realm_id = ? AND seq = ?"],
    ['action', "UPDATE audit_entries SET action = 'updated' WHERE realm_id = ? AND seq = ?"],
    ['entity_id', "UPDATE audit_entries SET entity_id = entity_id || 'x' WHERE realm_id = ? AND seq = ?"],
    ['prev_hash', "UPDATE audit_entries SET prev_hash = (CASE WHEN prev_hash LIKE 'a%' THEN 'b' ELSE 'a' END) || substr(prev_hash, 2) WHERE realm_id = ? AND seq = ?"],
    ['hash', "UPDATE audit_entries SET hash = (CASE WHEN hash LIKE 'a%' THEN 'b' ELSE 'a' END) || substr(hash, 2) WHERE realm_id = ? AND seq = ?"],
  ];
  for (const [field, statement] of tamper) {
    it(`names the entry whose ${field} was changed`, async () => {
      const seq = field === 'details' && statement.includes('cmt-') ? 11 : field === 'details' ? 5 : 6;
      const before = (await rows())[seq - 1];
      await db.run(statement, realmId, seq);
      expect((await rows())[seq - 1], 'the statement must really change a byte').not.toEqual(before);
      const result = await verify();
      expect(result).toMatchObject({ valid: false, firstInvalidSeq: seq });
      expect(result.reason).toBeTruthy();
    });
  }

  it('verifies a chain that grows while it is checked, up to the head it began with', async () => {
    const append = (i: number) => s.app.store.write((tx) => appendAudit(tx, s.app.clock, { realmId, actor: localAdmin, action: 'tick', entityType: 't', entityId: `e${i}` }));
    for (let round = 0; round < 5; round++) {
      const before = (await rows()).length;
      const [result] = await Promise.all([verify(), ...Array.from({ length: 20 }, (_, i) => append(round * 100 + i))]);
      expect(result, `round ${round}`).toMatchObject({ valid: true, firstInvalidSeq: null });
      expect(result.entryCount).toBeGreaterThanOrEqual(before);
    }
    expect(await verify()).toMatchObject({ valid: true, entryCount: (await rows()).length });
  });

  it('notices entries past a head that was moved back', async () => {
    const all = await rows();
    await db.run('UPDATE audit_heads SET seq = 6, hash = ? WHERE realm_id = ?', all[5]!.hash, realmId);
    expect(await verify()).toMatchObject({ valid: false, entryCount: 6, firstInvalidSeq: 7, reason: "seq 7 lies past the chain's head (seq 6): the head row was moved back" });
    // A range that stops below the head is not about the head.
    expect(await verify({ toSeq: 5 })).toMatchObject({ valid: true, entryCount: 5 });
  });

  it('notices a missing entry and a cut-off tail', async () => {
    await db.run('DELETE FROM audit_entries WHERE realm_id = ? AND seq = 4', realmId);
    expect(await verify()).toMatchObject({ valid: false, firstInvalidSeq: 5, reason: 'seq 5 found where 4 was expected' });
    await db.run('DELETE FROM audit_entries WHERE realm_id = ? AND seq >= 4', realmId);
    expect(await verify()).toMatchObject({ valid: false, firstInvalidSeq: 4 });
  });
});

describe('an anchor', () => {
  /** Rehashes every entry from `fromSeq` on, and the head, as someone with write access to the file could. */
  async function rewriteFrom(fromSeq: number) {
    let prev = fromSeq === 1 ? '0'.repeat(64) : (await rows())[fromSeq - 2]!.hash;
    for (const e of (await rows()).filter((r) => r.seq >= fromSeq)) {
      const hash = createHash('sha256').update(canonicalize({
        id: e.id, seq: e.seq, prevHash: prev, timestamp: e.timestamp, realmId: e.realm_id, actorKind: e.actor_kind,
        actorId: e.actor_id, action: e.action, entityType: e.entity_type, entityId: e.entity_id,
        details: e.details === null ? null : JSON.parse(e.details),
      })!, 'utf8').digest('hex');
      await db.run('UPDATE audit_entries SET prev_hash = ?, hash = ? WHERE realm_id = ? AND seq = ?', prev, hash, realmId, e.seq);
      prev = hash;
    }
    const last = (await rows()).at(-1)!;
    await db.run('UPDATE audit_heads SET seq = ?, hash = ? WHERE realm_id = ?', last.seq, last.hash, realmId);
  }

  it('taken from an export, catches a chain rewritten together with its head', async () => {
    const { source } = await s.call('realm_export', { id: realmId });
    const anchor = { seq: source.auditEntryCount, hash: source.auditHeadHash };
    expect(await s.call('council_verify', { realmId, anchor })).toMatchObject({ valid: true });
    await db.run("UPDATE audit_entries SET actor_id = 'agent-dev-2' WHERE realm_id = ? AND seq = 10", realmId);
    await rewriteFrom(10);
    // On its own the rewritten chain verifies: every hash is consistent.
    expect(await s.call('council_verify', { realmId })).toMatchObject({ valid: true });
    const caught = await s.call('council_verify', { realmId, anchor });
    expect(caught).toMatchObject({ valid: false, firstInvalidSeq: anchor.seq });
    expect(caught.reason).toContain('rewritten');
  });

  it('catches a chain cut below it, head and all', async () => {
    const all = await rows();
    const anchor = { seq: all.length, hash: all.at(-1)!.hash };
    await db.run('DELETE FROM audit_entries WHERE realm_id = ? AND seq > 6', realmId);
    await db.run('UPDATE audit_heads SET seq = 6, hash = ? WHERE realm_id = ?', all[5]!.hash, realmId);
    expect(await s.call('council_verify', { realmId })).toMatchObject({ valid: true, entryCount: 6 });
    const caught = await s.call('council_verify', { realmId, anchor });
    expect(caught).toMatchObject({ valid: false, firstInvalidSeq: 7 });
    expect(caught.reason).toContain('truncated');
  });

  it('must be 64 hex digits', async () => {
    expect(await s.fail('council_verify', { realmId, anchor: { seq: 1, hash: 'abc' } })).toMatchObject({ code: 'invalid_input', details: { field: 'anchor.hash' } });
  });
});
