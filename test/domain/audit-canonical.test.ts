// The chain's hash input is built by concatenating the stored fields in their sorted key order (verify's fast
// path). These tests hold it to RFC 8785 as the canonicalize package writes it, byte for byte, and check that
// tampering is still caught where the shortcut could have been fooled.
import canonicalize from 'canonicalize';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import type { Database } from '../../src/db/sqlite/driver.js';
import { GROUP } from '../../src/db/sqlite/repos/audit-links.js';
import { appendAudit, entryHash, publicEntry } from '../../src/domain/audit/chain.js';
import { hashInput } from '../../src/domain/audit/hash-input.js';
import type { StoredAuditEntry } from '../../src/domain/audit/model.js';
import { verifyChain } from '../../src/domain/audit/verify.js';
import { DomainError } from '../../src/domain/errors.js';
import { localAdmin } from '../../src/domain/principal.js';
import { createRealm } from '../../src/domain/realm/lifecycle.js';
import type { ChainLink } from '../../src/domain/store.js';

/** A server app on `db` with no scheduler and no log output. */
const quietApp = (db: string) => createApp({ db, logger: pino({ level: 'silent' }), scheduler: false });
/** The reference: an entry's fields (without its hash) through the canonicalize package, details parsed. */
const rfc8785Input = (fields: Omit<StoredAuditEntry, 'hash'>) => canonicalize(publicEntry(fields as StoredAuditEntry))!;

const sqlite = (app: App) => (app.store as unknown as { db: Database }).db;

/** All of a realm's links as the store hands them to verify, copied (a link may not be kept). */
const readLinks = (app: App, realmId: string) =>
  app.store.read(function* (tx) {
    const links: ChainLink[] = [];
    yield* tx.audit.links(realmId, 1, Number.MAX_SAFE_INTEGER, (l) => links.push({ ...l, input: typeof l.input === 'string' ? l.input : Uint8Array.from(l.input) }) > 0);
    return links;
  });

/** A small seeded PRNG (mulberry32), so that a failure can be replayed. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Awkward pieces of text: JSON's escapes, every control character, DEL, the JS line separators, non-ASCII in
// one, two, three and four UTF-8 bytes (a surrogate pair), and text that looks like the structure around it.
const awkward = [
  '"', '\\', '\\"', '/', '\b', '\f', '\n', '\r', '\t', '\u0000', '\u0001', '\u001f', '\u007f', '\u2028', '\u2029',
  'é', 'ß', '€', '日本', '😀', '\ud83d\ude00', '\ufeff', '\uffff', '","actorId":"', '},"entityId":"', 'null', '',
  ...Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)),
];

function generators(next: () => number) {
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]) => items[int(items.length)]!;
  const text = (): string => Array.from({ length: int(6) }, () => (next() < 0.5 ? pick(awkward) : String.fromCharCode(32 + int(95)))).join('');
  const numbers = [0, -0, 1, -1, 0.1, 1e21, 1e-7, 123456789012345680000, 5e-324, 1.7976931348623157e308, 2 ** 53, -(2 ** 53) + 1, 0.30000000000000004, 4.35, 1e300 * 10 ** -280];
  const value = (depth: number): unknown => {
    const roll = int(depth > 3 ? 4 : 7);
    if (roll === 0) return null;
    if (roll === 1) return next() < 0.5;
    if (roll === 2) return next() < 0.5 ? pick(numbers) : (next() - 0.5) * 10 ** int(30);
    if (roll === 3) return text();
    if (roll === 4) return Array.from({ length: int(4) }, () => value(depth + 1));
    return Object.fromEntries(Array.from({ length: int(5) }, () => [text(), value(depth + 1)]));
  };
  return { int, pick, text, value };
}

describe('the hash input', () => {
  it('equals RFC 8785 (the canonicalize package) byte for byte on random entries', () => {
    const g = generators(random(12));
    for (let i = 0; i < 5000; i++) {
      const details = i % 7 === 0 ? null : g.value(0);
      const fields = {
        id: g.text(), realmId: g.text(), seq: g.int(2 ** 40), actorKind: g.pick(['agent', 'human', 'system'] as const), actorId: g.text(),
        action: g.text(), entityType: g.text(), entityId: g.text(), prevHash: g.text(), timestamp: g.text(),
      };
      // As append stores it: details as its canonical text.
      const stored: Omit<StoredAuditEntry, 'hash'> = { ...fields, details: details === null ? null : canonicalize(details)! };
      expect(hashInput(stored)).toBe(canonicalize({ ...fields, details }));
    }
  });

  // The store builds the input in SQL (AuditRepo.links): the same random entries, stored as append stores
  // them in a real SQLite file, must come back as the bytes canonicalize writes, and on the fast path (bytes
  // built by SQLite, not the fallback through hashInput).
  it('is built by the store (in SQL) as RFC 8785 writes it, on random entries', async () => {
    const g = generators(random(56));
    const hex = () => Array.from({ length: 64 }, () => '0123456789abcdef'[g.int(16)]).join('');
    const dir = mkdtempSync(join(tmpdir(), 'cp-links-'));
    const app = quietApp(join(dir, 'audit.db'));
    try {
      const expected = new Map<string, string[]>();
      const insert = sqlite(app).prepare(`INSERT INTO audit_entries (id, realm_id, seq, actor_kind, actor_id, action, entity_type, entity_id, details, prev_hash, hash, timestamp) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
      sqlite(app).transaction(() => {
        for (let r = 0; r < 12; r++) {
          const realmId = `${g.text()}-${r}`;
          const inputs: string[] = [];
          for (let seq = 1; seq <= 300; seq++) {
            const details = seq % 7 === 0 ? null : g.value(0);
            const fields = {
              id: `${g.text()}-${r}-${seq}`, realmId, seq, actorKind: g.pick(['agent', 'human', 'system'] as const), actorId: g.text(),
              action: g.text(), entityType: g.text(), entityId: g.text(), prevHash: hex(), timestamp: g.text(),
            };
            insert.run(fields.id, realmId, seq, fields.actorKind, fields.actorId, fields.action, fields.entityType, fields.entityId, details === null ? null : canonicalize(details)!, fields.prevHash, hex(), fields.timestamp);
            inputs.push(canonicalize({ ...fields, details })!);
          }
          expected.set(realmId, inputs);
        }
      })();
      for (const [realmId, inputs] of expected) {
        const links = await readLinks(app, realmId);
        expect(links.map((l) => l.input instanceof Uint8Array)).toEqual(inputs.map(() => true));
        expect(links.map((l) => Buffer.from(l.input).toString())).toEqual(inputs);
      }
    } finally {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is built by the store as JSON.stringify escapes every code point', async () => {
    const app = quietApp(':memory:');
    try {
      const realmId = (await createRealm({ store: app.store, clock: app.clock, principal: localAdmin }, { name: 'r', owner: 'o' })).id;
      // Every code point but the surrogates, 4,096 to an entry's action, through append.
      const points = Array.from({ length: 0x110000 }, (_, cp) => cp).filter((cp) => cp < 0xd800 || cp > 0xdfff);
      await app.store.write(function* (tx) {
        for (let at = 0; at < points.length; at += 4096) {
          yield* appendAudit(tx, app.clock, { realmId, actor: localAdmin, action: String.fromCodePoint(...points.slice(at, at + 4096)), entityType: 't', entityId: 'e' });
        }
      });
      const entries = await app.store.read((tx) => tx.audit.range(realmId, 1, 1000));
      const links = await readLinks(app, realmId);
      expect(links).toHaveLength(entries.length);
      expect(links.every((l) => l.input instanceof Uint8Array)).toBe(true);
      expect(links.map((l) => Buffer.from(l.input).toString())).toEqual(entries.map(({ hash: _hash, ...fields }) => rfc8785Input(fields)));
    } finally {
      await app.close();
    }
  });

  it('is what append hashes, and what verify rebuilds from a real SQLite file', async () => {
    const g = generators(random(34));
    const dir = mkdtempSync(join(tmpdir(), 'cp-canonical-'));
    const app = quietApp(join(dir, 'audit.db'));
    try {
      const realm = await createRealm({ store: app.store, clock: app.clock, principal: localAdmin }, { name: 'r', owner: 'o' });
      await app.store.write(function* (tx) {
        for (let i = 0; i < 300; i++) {
          yield* appendAudit(tx, app.clock, { realmId: realm.id, actor: { kind: 'agent', id: g.text() }, action: g.text(), entityType: g.text(), entityId: g.text(), details: g.value(0) });
        }
      });
      const rows = await app.store.read((tx) => tx.audit.range(realm.id, 1, 1000));
      expect(rows).toHaveLength(301);
      for (const row of rows) {
        const { hash: _hash, ...fields } = row;
        expect(hashInput(fields)).toBe(rfc8785Input(fields));
      }
      expect(await verifyChain({ store: app.store, clock: app.clock, principal: localAdmin }, { realmId: realm.id })).toMatchObject({ valid: true, entryCount: 301 });
    } finally {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is refused for a lone surrogate, which RFC 8785 cannot write, and nothing is appended', async () => {
    const app = quietApp(':memory:');
    try {
      const realm = await createRealm({ store: app.store, clock: app.clock, principal: localAdmin }, { name: 'r', owner: 'o' });
      expect(() => canonicalize('\ud800')).toThrow();
      for (const entityId of ['\ud800', 'a\udc00b', 'x\ud83d']) {
        const error = await app.store
          .write((tx) => appendAudit(tx, app.clock, { realmId: realm.id, actor: localAdmin, action: 'tick', entityType: 't', entityId }))
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(DomainError);
        expect(error).toMatchObject({ code: 'invalid_input', details: { field: 'entityId' } });
      }
      expect(await app.store.read((tx) => tx.audit.head(realm.id))).toMatchObject({ seq: 1 });
    } finally {
      await app.close();
    }
  });
});

describe('verify on the fast path', () => {
  let app: App;
  let realmId: string;
  const verify = () => verifyChain({ store: app.store, clock: app.clock, principal: localAdmin }, { realmId });
  const db = () => sqlite(app);
  const row = (seq: number) => db().prepare('SELECT * FROM audit_entries WHERE realm_id = ? AND seq = ?').get(realmId, seq) as Record<string, string>;

  beforeEach(async () => {
    app = quietApp(':memory:');
    realmId = (await createRealm({ store: app.store, clock: app.clock, principal: localAdmin }, { name: 'r', owner: 'o' })).id;
    await app.store.write(function* (tx) {
      yield* appendAudit(tx, app.clock, { realmId, actor: localAdmin, action: 'tick', entityType: 't', entityId: 'E', details: { a: 'b', entityId: 'c' } });
      yield* appendAudit(tx, app.clock, { realmId, actor: localAdmin, action: 'say "hi"\\\n', entityType: 't', entityId: '日本😀', details: 'line\u2028two' });
      yield* appendAudit(tx, app.clock, { realmId, actor: localAdmin, action: 'tick', entityType: 't', entityId: 'E3' });
    });
  });
  afterEach(() => app.close());

  it('accepts entries whose fields need escaping', async () => {
    expect(await verify()).toMatchObject({ valid: true, entryCount: 4 });
  });

  // Text moved between two fields so that the fields, written unescaped, would read the same: only exact
  // escaping tells them apart. details {"a":"b","entityId":"c"} with entityId E becomes details {"a":"b" and
  // entityId c"},"entityId":"E.
  it('catches text moved from details into a field that it would have to escape', async () => {
    expect(row(2).details).toBe('{"a":"b","entityId":"c"}');
    db().prepare(`UPDATE audit_entries SET details = '{"a":"b"', entity_id = 'c"},"entityId":"E' WHERE realm_id = ? AND seq = 2`).run(realmId);
    expect(await verify()).toMatchObject({ valid: false, firstInvalidSeq: 2, reason: "hash does not match the entry's content" });
  });

  const edits: [string, string][] = [
    ['an escaped quote unescaped', `UPDATE audit_entries SET action = replace(action, '"', '''') WHERE realm_id = ? AND seq = 3`],
    ['a control character added', `UPDATE audit_entries SET entity_type = entity_type || char(1) WHERE realm_id = ? AND seq = 3`],
    ['a NUL added', `UPDATE audit_entries SET actor_id = actor_id || char(0) WHERE realm_id = ? AND seq = 3`],
    ['a character outside the BMP replaced', `UPDATE audit_entries SET entity_id = '日本😁' WHERE realm_id = ? AND seq = 3`],
    ['details re-serialised with a space', `UPDATE audit_entries SET details = '"line\u2028two" ' WHERE realm_id = ? AND seq = 3`],
  ];
  for (const [what, statement] of edits) {
    it(`catches ${what}`, async () => {
      const before = row(3);
      expect(db().prepare(statement).run(realmId).changes).toBe(1);
      expect(row(3), 'the statement must really change a byte').not.toEqual(before);
      const result = await verify();
      expect(result).toMatchObject({ valid: false, firstInvalidSeq: 3 });
      expect(result.reason).toBeTruthy();
    });
  }
});

describe('a long verify', () => {
  it('gives the event loop back while it walks, and still names the entry that was changed', async () => {
    const app = quietApp(':memory:');
    try {
      const realmId = (await createRealm({ store: app.store, clock: app.clock, principal: localAdmin }, { name: 'r', owner: 'o' })).id;
      for (let batch = 0; batch < 8; batch++) {
        await app.store.write(function* (tx) {
          for (let i = 0; i < 5000; i++) yield* appendAudit(tx, app.clock, { realmId, actor: localAdmin, action: 'tick', entityType: 't', entityId: `e${i}`, details: { i } });
        });
      }
      let turns = 0;
      const ticker = setInterval(() => turns++, 1);
      const ctx = { store: app.store, clock: app.clock, principal: localAdmin };
      const result = await verifyChain(ctx, { realmId });
      clearInterval(ticker);
      expect(result).toMatchObject({ valid: true, entryCount: 40001 });
      expect(turns, 'other work ran while verify walked 40,000 entries').toBeGreaterThan(0);

      sqlite(app).prepare("UPDATE audit_entries SET entity_id = 'changed' WHERE realm_id = ? AND seq = 31234").run(realmId);
      expect(await verifyChain(ctx, { realmId })).toMatchObject({ valid: false, entryCount: 31233, firstInvalidSeq: 31234 });
      expect(await verifyChain(ctx, { realmId, fromSeq: 20000, toSeq: 31233 })).toMatchObject({ valid: true, entryCount: 11234 });
    } finally {
      await app.close();
    }
  });
});

describe('large entries', () => {
  it('are read a few at a time, and a change in any of them is named', async () => {
    const app = quietApp(':memory:');
    try {
      const ctx = { store: app.store, clock: app.clock, principal: localAdmin };
      const realmId = (await createRealm(ctx, { name: 'r', owner: 'o' })).id;
      await app.store.write(function* (tx) {
        for (let i = 0; i < 300; i++) yield* appendAudit(tx, app.clock, { realmId, actor: localAdmin, action: 'tick', entityType: 't', entityId: `e${i}`, details: { i, text: 'x'.repeat(60_000) } });
      });
      // 18 MB of entries: well past one group's bytes, so the groups shrink to keep each read short.
      expect(await verifyChain(ctx, { realmId })).toMatchObject({ valid: true, entryCount: 301 });
      expect((await readLinks(app, realmId)).map((l) => l.seq)).toEqual(Array.from({ length: 301 }, (_, i) => i + 1));
      sqlite(app).prepare("UPDATE audit_entries SET details = replace(details, 'xxx', 'xyx') WHERE realm_id = ? AND seq = 250").run(realmId);
      expect(await verifyChain(ctx, { realmId })).toMatchObject({ valid: false, entryCount: 249, firstInvalidSeq: 250 });
    } finally {
      await app.close();
    }
  });
});

describe('rows the store cannot build in SQL (changed by hand)', () => {
  // Each edit leaves a row that SQL would write otherwise than hashInput does, or not at all (json_quote
  // refuses a BLOB); the store must hand verify exactly hashInput's text for it, and SQL's for the rest.
  const edits: [string, string][] = [
    ['details stored as a BLOB', `UPDATE audit_entries SET details = CAST('{"i":"blob"}' AS BLOB) WHERE realm_id = ? AND seq = ?`],
    ['a field stored as a BLOB', `UPDATE audit_entries SET entity_id = CAST(entity_id AS BLOB) WHERE realm_id = ? AND seq = ?`],
    ['a raw newline in details', `UPDATE audit_entries SET details = '"a' || char(10) || 'b"' WHERE realm_id = ? AND seq = ?`],
    ['invalid UTF-8 in a field', `UPDATE audit_entries SET action = CAST(x'61ff62c3' AS TEXT) WHERE realm_id = ? AND seq = ?`],
    ['a hash of another length', `UPDATE audit_entries SET prev_hash = prev_hash || 'f' WHERE realm_id = ? AND seq = ?`],
    ['a fractional seq', `UPDATE audit_entries SET seq = seq + 0.5 WHERE realm_id = ? AND seq = ?`],
    ['the hash stored as a BLOB of its hex digits', `UPDATE audit_entries SET hash = CAST(hash AS BLOB) WHERE realm_id = ? AND seq = ?`],
    ['a NUL in details (SQL writes this one)', `UPDATE audit_entries SET details = '"a' || char(0) || 'b"' WHERE realm_id = ? AND seq = ?`],
  ];
  const EDITED = 300;
  let app: App;
  let realmId: string;
  const ctx = () => ({ store: app.store, clock: app.clock, principal: localAdmin });
  const db = () => sqlite(app);
  const entries = () => app.store.read((tx) => tx.audit.range(realmId, 1, 10_000));

  beforeEach(async () => {
    app = quietApp(':memory:');
    realmId = (await createRealm(ctx(), { name: 'r', owner: 'o' })).id;
    await app.store.write(function* (tx) {
      // More than one group of links (GROUP entries each), so that the edited one's group is not all of them.
      for (let i = 0; i < 2 * GROUP + 100; i++) yield* appendAudit(tx, app.clock, { realmId, actor: localAdmin, action: 'tick', entityType: 't', entityId: `e${i}`, details: { i } });
    });
  });
  afterEach(() => app.close());

  /** Re-hashes the chain from `seq` on as hashInput reads the rows, so that it is valid again by that reading. */
  async function rechain(seq: number) {
    const rows = await entries();
    let prevHash = rows.find((e) => e.seq === seq - 1)!.hash;
    const update = db().prepare('UPDATE audit_entries SET prev_hash = ?, hash = ? WHERE id = ?');
    for (const e of rows.filter((e) => e.seq >= seq)) {
      const hash = entryHash({ ...e, prevHash: e.seq === seq ? e.prevHash : prevHash });
      update.run(e.seq === seq ? e.prevHash : prevHash, hash, e.id);
      prevHash = hash;
    }
    db().prepare('UPDATE audit_heads SET hash = ? WHERE realm_id = ?').run(prevHash, realmId);
  }

  for (const [what, statement] of edits) {
    it(`hands verify hashInput's text for ${what}`, async () => {
      expect(db().prepare(statement).run(realmId, EDITED).changes).toBe(1);
      const links = await readLinks(app, realmId);
      const expected = (await entries()).map((e) => ({ seq: e.seq, prevHash: e.prevHash, hash: e.hash, input: hashInput(e) }));
      expect(links.map((l) => ({ ...l, input: typeof l.input === 'string' ? l.input : Buffer.from(l.input).toString() }))).toEqual(expected);
      // Rows in other groups still come the fast way.
      expect(links.filter((l) => typeof l.input === 'string').length).toBeLessThanOrEqual(GROUP);
      expect(links.filter((l) => typeof l.input !== 'string').length).toBeGreaterThanOrEqual(GROUP);
    });
  }

  for (const [what, statement] of edits.slice(0, 4)) {
    it(`verifies a chain re-hashed by hashInput over ${what}`, async () => {
      db().prepare(statement).run(realmId, EDITED);
      expect(await verifyChain(ctx(), { realmId })).toMatchObject({ valid: false, firstInvalidSeq: EDITED, reason: "hash does not match the entry's content" });
      await rechain(EDITED);
      expect(await verifyChain(ctx(), { realmId })).toMatchObject({ valid: true, entryCount: 2 * GROUP + 101 });
    });
  }

  it('reports a hash stored as a BLOB as not matching, as before', async () => {
    db().prepare(edits[6]![1]).run(realmId, EDITED);
    expect(await verifyChain(ctx(), { realmId })).toMatchObject({ valid: false, firstInvalidSeq: EDITED, reason: "hash does not match the entry's content" });
  });

  it('reports a fractional seq and a hash of another length as before', async () => {
    db().prepare(edits[5]![1]).run(realmId, EDITED);
    expect(await verifyChain(ctx(), { realmId })).toMatchObject({ valid: false, firstInvalidSeq: EDITED + 0.5, reason: `seq ${EDITED + 0.5} found where ${EDITED} was expected` });
    db().prepare(`UPDATE audit_entries SET seq = ${EDITED} WHERE realm_id = ? AND seq = ${EDITED + 0.5}`).run(realmId);
    db().prepare(edits[4]![1]).run(realmId, EDITED);
    expect(await verifyChain(ctx(), { realmId })).toMatchObject({ valid: false, firstInvalidSeq: EDITED, reason: "prevHash does not match the previous entry's hash" });
  });
});
