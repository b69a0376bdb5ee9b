// The audit repository on a real PostgreSQL: appends from several pools at once (each pool standing for one
// instance) give one chain that verify accepts, with no fork and no gap; the hash input the server builds for
// verify is hashInput's text byte for byte; reads, filters and the archive behave as SQLite's.
import canonicalize from 'canonicalize';
import { drizzle } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { type AuditMode, auditRepo } from '../../src/db/pg/repos/audit.js';
import { inTransaction } from '../../src/db/pg/unit-of-work.js';
import { appendAudit, entryHash, publicEntry } from '../../src/domain/audit/chain.js';
import { hashInput } from '../../src/domain/audit/hash-input.js';
import { GENESIS_HASH } from '../../src/domain/audit/hash-input.js';
import type { StoredAuditEntry } from '../../src/domain/audit/model.js';
import { verifyChain } from '../../src/domain/audit/verify.js';
import type { Clock } from '../../src/domain/clock.js';
import { localAdmin } from '../../src/domain/principal.js';
import type { ChainLink, Store, Tx, Work } from '../../src/domain/store.js';
import { instancePools } from '../helpers/pg-pools.js';

const INSTANCES = 3;
const WORKERS_PER_INSTANCE = 4;
const READ = 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY';

const pools = instancePools(INSTANCES, WORKERS_PER_INSTANCE);

/** A Tx with just what these units use; realms.get finds every realm (verify asks for it). */
const makeTx = (client: pg.PoolClient, mode?: AuditMode) => () =>
  ({
    audit: auditRepo(drizzle(client), mode),
    realms: { *get(id: string) { return { id, status: 'active' }; } },
    announce() {},
  }) as unknown as Tx;

/** Runs a unit on one connection of `pool`, as a store would: writes in READ COMMITTED, reads on a snapshot. */
async function run<T>(pool: pg.Pool, begin: string, work: Work<T>, mode?: AuditMode): Promise<T> {
  const client = await pool.connect();
  try {
    return await inTransaction(client, begin, makeTx(client, mode), work);
  } finally {
    client.release();
  }
}
const write = <T>(work: Work<T>, pool = pools[0]!, mode?: AuditMode) => run(pool, 'BEGIN', work, mode);
const read = <T>(work: Work<T>, pool = pools[0]!, mode?: AuditMode) => run(pool, READ, work, mode);

/** The store verify needs: reads only. */
const readStore = (pool: pg.Pool) => ({ read: <T>(work: Work<T>) => read(work, pool) }) as unknown as Store;
const clock: Clock = { now: () => new Date() };
const verify = (realmId: string, pool = pools[1]!) => verifyChain({ store: readStore(pool), clock, principal: localAdmin }, { realmId });

const readLinks = (realmId: string, fromSeq = 1, limit = Number.MAX_SAFE_INTEGER) =>
  read(function* (tx) {
    const links: ChainLink[] = [];
    yield* tx.audit.links(realmId, fromSeq, limit, (l) => links.push({ ...l }) > 0);
    return links;
  });
const entries = (realmId: string) => read((tx) => tx.audit.range(realmId, 1, 1_000_000));
const sql = (text: string, values: unknown[] = []) => pools[0]!.query(text, values);

/** A small seeded PRNG (mulberry32), so that a failure can be replayed. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// As test/domain/audit-canonical.test.ts's, but without U+0000: a PostgreSQL text cannot hold it.
const awkward = [
  '"', '\\', '\\"', '/', '\b', '\f', '\n', '\r', '\t', '\u0001', '\u001f', '\u007f', '\u2028', '\u2029',
  'é', 'ß', '€', '日本', '😀', '\ud83d\ude00', '\ufeff', '\uffff', '","actorId":"', '},"entityId":"', 'null', '',
  ...Array.from({ length: 31 }, (_, i) => String.fromCharCode(i + 1)),
];
function generators(next: () => number) {
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]) => items[int(items.length)]!;
  const text = (): string => Array.from({ length: int(6) }, () => (next() < 0.5 ? pick(awkward) : String.fromCharCode(32 + int(95)))).join('');
  const value = (depth: number): unknown => {
    const roll = int(depth > 3 ? 4 : 7);
    if (roll === 0) return null;
    if (roll === 1) return next() < 0.5;
    if (roll === 2) return (next() - 0.5) * 10 ** int(30);
    if (roll === 3) return text();
    if (roll === 4) return Array.from({ length: int(4) }, () => value(depth + 1));
    return Object.fromEntries(Array.from({ length: int(5) }, () => [text(), value(depth + 1)]));
  };
  return { int, pick, text, value };
}
const hex = (next: () => number) => Array.from({ length: 64 }, () => '0123456789abcdef'[Math.floor(next() * 16)]).join('');
/** A valid chain of `count` entries for a realm, inserted in one statement (2,500 appends one by one took 6 s). */
async function bulkChain(realmId: string, count: number) {
  const chain: StoredAuditEntry[] = [];
  for (let seq = 1; seq <= count; seq++) {
    const base = { id: `act-${realmId}-${seq}`, realmId, seq, actorKind: 'system' as const, actorId: 'bulk', action: 'tick', entityType: 't', entityId: `e${seq}`, details: `{"i":${seq}}`, prevHash: chain.at(-1)?.hash ?? GENESIS_HASH, timestamp: clock.now().toISOString() };
    chain.push({ ...base, hash: entryHash(base) });
  }
  await sql(
    `INSERT INTO audit_entries (id, realm_id, seq, actor_kind, actor_id, action, entity_type, entity_id, details, prev_hash, hash, timestamp)
     SELECT id, "realmId", seq, "actorKind", "actorId", action, "entityType", "entityId", details, "prevHash", hash, timestamp
     FROM json_to_recordset($1::json) AS x(id text, "realmId" text, seq bigint, "actorKind" text, "actorId" text, action text, "entityType" text, "entityId" text, details text, "prevHash" text, hash text, timestamp text)`,
    [JSON.stringify(chain)],
  );
  await sql('INSERT INTO audit_heads (realm_id, seq, hash) VALUES ($1, $2, $3)', [realmId, count, chain.at(-1)!.hash]);
  return chain;
}
const rfc8785Input = (fields: Omit<StoredAuditEntry, 'hash'>) => canonicalize(publicEntry(fields as StoredAuditEntry))!;

describe('the audit chain across instances', () => {
  it('gives one valid chain, no fork and no gap, when every instance appends to it at once', async () => {
    const realms = ['realm-busy', 'realm-other'];
    const perWorker = 15;
    // Every worker of every instance appends its entries one unit at a time, alternating realms; the head is
    // locked by a unit that does not say which kind it is (the repository asks the transaction).
    await Promise.all(
      pools.flatMap((pool, i) =>
        Array.from({ length: WORKERS_PER_INSTANCE }, async (_, w) => {
          for (let n = 0; n < perWorker; n++) {
            await write((tx) => appendAudit(tx, clock, { realmId: realms[n % 2]!, actor: { kind: 'agent', id: `instance-${i}/worker-${w}` }, action: 'tick', entityType: 't', entityId: `${n}` }), pool);
          }
        }),
      ),
    );
    const appended = INSTANCES * WORKERS_PER_INSTANCE * perWorker;
    const busy = await entries('realm-busy');
    const other = await entries('realm-other');
    expect(busy.length + other.length).toBe(appended);
    for (const chain of [busy, other]) {
      expect(chain.map((e) => e.seq)).toEqual(chain.map((_, i) => i + 1));
      expect(chain[0]!.prevHash).toBe(GENESIS_HASH);
      for (let i = 1; i < chain.length; i++) expect(chain[i]!.prevHash).toBe(chain[i - 1]!.hash);
      // Every instance's entries are in it.
      expect(new Set(chain.map((e) => e.actorId.split('/')[0])).size).toBe(INSTANCES);
    }
    for (const [realmId, chain] of [['realm-busy', busy], ['realm-other', other]] as const) {
      expect(await verify(realmId)).toEqual({ valid: true, entryCount: chain.length, headHash: chain.at(-1)!.hash, firstInvalidSeq: null, reason: null });
      expect(await read((tx) => tx.audit.head(realmId), pools[2])).toEqual({ seq: chain.length, hash: chain.at(-1)!.hash });
    }
  });

  it('serialises appends whether the unit says it writes or the repository asks', async () => {
    const realmId = 'realm-modes';
    await Promise.all(
      pools.flatMap((pool, i) =>
        Array.from({ length: 3 }, async (_, w) => {
          for (let n = 0; n < 5; n++) {
            await write((tx) => appendAudit(tx, clock, { realmId, actor: { kind: 'agent', id: `a${i}${w}` }, action: 'tick', entityType: 't', entityId: 'e' }), pool, w % 2 ? 'write' : undefined);
          }
        }),
      ),
    );
    expect(await verify(realmId)).toMatchObject({ valid: true, entryCount: INSTANCES * 3 * 5 });
  });
});

describe('head', () => {
  it('is null for a realm with no entry, in a read and in a write (which leaves no entry behind)', async () => {
    expect(await read((tx) => tx.audit.head('realm-none'))).toBeNull();
    expect(await read((tx) => tx.audit.head('realm-none'), pools[0], 'read')).toBeNull();
    expect(await write((tx) => tx.audit.head('realm-none'))).toBeNull();
    expect(await write((tx) => tx.audit.head('realm-none'), pools[0], 'write')).toBeNull();
    expect(await read((tx) => tx.audit.head('realm-none'))).toBeNull();
    expect(await entries('realm-none')).toEqual([]);
    // A unit that locked the empty head and then appends starts the chain at seq 1.
    const first = await write((tx) => appendAudit(tx, clock, { realmId: 'realm-none', actor: localAdmin, action: 'created', entityType: 'realm', entityId: 'realm-none' }));
    expect(first).toMatchObject({ seq: 1, prevHash: GENESIS_HASH });
    expect(await read((tx) => tx.audit.head('realm-none'))).toEqual({ seq: 1, hash: first.hash });
  });

  it('holds the head row while the writing unit runs: a second appender waits for it', async () => {
    const realmId = 'realm-held';
    await write((tx) => appendAudit(tx, clock, { realmId, actor: localAdmin, action: 'created', entityType: 'realm', entityId: realmId }));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const order: string[] = [];
    const slow = write(function* (tx) {
      const head = yield* tx.audit.head(realmId);
      locked();
      yield gate; // the unit is still open, holding the head
      order.push('slow');
      return head;
    }, pools[0]);
    await isLocked;
    const fast = write(function* (tx) {
      const entry = yield* appendAudit(tx, clock, { realmId, actor: localAdmin, action: 'tick', entityType: 't', entityId: 'e' });
      order.push('fast');
      return entry;
    }, pools[1]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(order).toEqual([]);
    // A read is not held up by the lock.
    expect(await read((tx) => tx.audit.head(realmId), pools[2])).toMatchObject({ seq: 1 });
    release();
    await slow;
    expect(await fast).toMatchObject({ seq: 2 });
    expect(order).toEqual(['slow', 'fast']);
  });
});

describe("links: the hash input PostgreSQL builds is hashInput's", () => {
  it('for random entries whose fields need every kind of escape, and for entries that are not chained', async () => {
    const g = generators(random(7));
    const expected = new Map<string, string[]>();
    await write(function* (tx) {
      for (let r = 0; r < 6; r++) {
        const realmId = `${g.text()}-${r}`;
        const inputs: string[] = [];
        for (let seq = 1; seq <= 300; seq++) {
          const details = seq % 7 === 0 ? null : g.value(0);
          const fields = {
            id: `${g.text()}-${r}-${seq}`, realmId, seq, actorKind: g.pick(['agent', 'human', 'system'] as const), actorId: g.text(),
            action: g.text(), entityType: g.text(), entityId: g.text(), prevHash: hex(Math.random), timestamp: g.text(),
            details: details === null ? null : canonicalize(details)!,
          };
          yield* tx.audit.append({ ...fields, hash: hex(Math.random) });
          inputs.push(canonicalize({ ...fields, details })!);
        }
        expected.set(realmId, inputs);
      }
    });
    for (const [realmId, inputs] of expected) {
      const links = await readLinks(realmId);
      expect(links.map((l) => l.input)).toEqual(inputs);
      const stored = await entries(realmId);
      expect(links.map((l) => l.input)).toEqual(stored.map((e) => hashInput(e)));
      expect(links.map(({ seq, prevHash, hash }) => ({ seq, prevHash, hash }))).toEqual(stored.map(({ seq, prevHash, hash }) => ({ seq, prevHash, hash })));
    }
  });

  it('as JSON.stringify escapes every code point a PostgreSQL text can hold', async () => {
    const realmId = 'realm-points';
    // Every code point but the surrogates and U+0000, 4,096 to an entry's entityType, through append (not to an
    // indexed field such as action: a B-tree entry holds at most about 2.7 KB).
    const points = Array.from({ length: 0x110000 }, (_, cp) => cp).filter((cp) => cp > 0 && (cp < 0xd800 || cp > 0xdfff));
    await write(function* (tx) {
      for (let at = 0; at < points.length; at += 4096) {
        yield* appendAudit(tx, clock, { realmId, actor: localAdmin, action: 'tick', entityType: String.fromCodePoint(...points.slice(at, at + 4096)), entityId: 'e' });
      }
    });
    const stored = await entries(realmId);
    const links = await readLinks(realmId);
    expect(links).toHaveLength(Math.ceil(points.length / 4096));
    expect(links.map((l) => l.input)).toEqual(stored.map(({ hash: _hash, ...fields }) => rfc8785Input(fields)));
    expect(await verify(realmId)).toMatchObject({ valid: true, entryCount: links.length });
  });

  it('in pages: from any seq, at most limit, stopping when visit says so', async () => {
    const realmId = 'realm-pages';
    await bulkChain(realmId, 2500);
    expect((await readLinks(realmId)).map((l) => l.seq)).toEqual(Array.from({ length: 2500 }, (_, i) => i + 1));
    expect((await readLinks(realmId, 998, 1005)).map((l) => l.seq)).toEqual(Array.from({ length: 1005 }, (_, i) => i + 998));
    expect(await readLinks(realmId, 2501)).toEqual([]);
    const seen = await read(function* (tx) {
      const seqs: number[] = [];
      yield* tx.audit.links(realmId, 10, 5000, (l) => seqs.push(l.seq) < 1200);
      return seqs;
    });
    expect(seen).toEqual(Array.from({ length: 1200 }, (_, i) => i + 10));
    expect(await verify(realmId)).toMatchObject({ valid: true, entryCount: 2500 });
  });

  it("for a seq beyond 2^53 (a hand edit), hashInput's own text of the entry as range reads it", async () => {
    const realmId = 'realm-huge-seq';
    await write(function* (tx) {
      for (let i = 0; i < 3; i++) yield* appendAudit(tx, clock, { realmId, actor: localAdmin, action: 'tick', entityType: 't', entityId: `e${i}` });
    });
    await sql('UPDATE audit_entries SET seq = 9007199254740993 WHERE realm_id = $1 AND seq = 3', [realmId]);
    const links = await readLinks(realmId);
    const stored = await entries(realmId);
    expect(stored.at(-1)!.seq).toBe(9007199254740992);
    expect(links.map((l) => l.input)).toEqual(stored.map((e) => hashInput(e)));
    expect(links.at(-1)!.input).toContain('"seq":9007199254740992');
    expect(await verify(realmId)).toMatchObject({ valid: false, firstInvalidSeq: 9007199254740992 });
  });

  it('lets verify catch an edited field, an escape undone and a cut chain', async () => {
    const realmId = 'realm-tamper';
    await write(function* (tx) {
      yield* appendAudit(tx, clock, { realmId, actor: localAdmin, action: 'tick', entityType: 't', entityId: 'E', details: { a: 'b', entityId: 'c' } });
      yield* appendAudit(tx, clock, { realmId, actor: localAdmin, action: 'say "hi"\\\n', entityType: 't', entityId: '日本😀', details: 'line\u2028two' });
      yield* appendAudit(tx, clock, { realmId, actor: localAdmin, action: 'tick', entityType: 't', entityId: 'E3' });
    });
    expect(await verify(realmId)).toMatchObject({ valid: true, entryCount: 3 });
    await sql(`UPDATE audit_entries SET details = '{"a":"b"', entity_id = 'c"},"entityId":"E' WHERE realm_id = $1 AND seq = 1`, [realmId]);
    expect(await verify(realmId)).toMatchObject({ valid: false, firstInvalidSeq: 1, reason: "hash does not match the entry's content" });
    await sql(`UPDATE audit_entries SET details = '{"a":"b","entityId":"c"}', entity_id = 'E' WHERE realm_id = $1 AND seq = 1`, [realmId]);
    await sql(`UPDATE audit_entries SET action = replace(action, '"', '''') WHERE realm_id = $1 AND seq = 2`, [realmId]);
    expect(await verify(realmId)).toMatchObject({ valid: false, firstInvalidSeq: 2 });
    await sql(`UPDATE audit_entries SET action = replace(action, '''', '"') WHERE realm_id = $1 AND seq = 2`, [realmId]);
    expect(await verify(realmId)).toMatchObject({ valid: true, entryCount: 3 });
    await sql('DELETE FROM audit_entries WHERE realm_id = $1 AND seq = 3', [realmId]);
    expect(await verify(realmId)).toMatchObject({ valid: false, reason: 'the chain ends at seq 2 but its head is seq 3' });
  });
});

describe('range, log and archive', () => {
  const realmId = 'realm-reads';
  const seeded: StoredAuditEntry[] = [];
  beforeAll(async () => {
    await write(function* (tx) {
      for (let i = 0; i < 12; i++) {
        seeded.push(yield* appendAudit(tx, clock, { realmId, actor: { kind: 'agent', id: `agent-${i % 3}` }, action: i % 2 ? 'updated' : 'created', entityType: 'mission', entityId: `m${i % 4}`, details: i % 5 ? { i } : undefined }));
      }
    });
  });

  it('range: by seq from fromSeq, at most limit, exactly the stored entries', async () => {
    expect(await read((tx) => tx.audit.range(realmId, 1, 100))).toEqual(seeded);
    expect(await read((tx) => tx.audit.range(realmId, 5, 3))).toEqual(seeded.slice(4, 7));
    expect(await read((tx) => tx.audit.range(realmId, 13, 3))).toEqual([]);
    expect(await read((tx) => tx.audit.range('realm-unknown', 1, 3))).toEqual([]);
  });

  it('log: newest first, below `before`, filtered by action, entity and actor', async () => {
    const log = (query: Parameters<Tx['audit']['log']>[1]) => read((tx) => tx.audit.log(realmId, query)).then((rows) => rows.map((e) => e.seq));
    expect(await log({ limit: 4 })).toEqual([12, 11, 10, 9]);
    expect(await log({ limit: 3, before: 5 })).toEqual([4, 3, 2]);
    expect(await log({ limit: 10, action: 'updated' })).toEqual([12, 10, 8, 6, 4, 2]);
    expect(await log({ limit: 10, entityId: 'm1' })).toEqual([10, 6, 2]);
    expect(await log({ limit: 10, actorId: 'agent-0', action: 'updated' })).toEqual([10, 4]);
    expect(await log({ limit: 10, actorId: 'nobody' })).toEqual([]);
    expect((await read((tx) => tx.audit.log(realmId, { limit: 1 })))[0]).toEqual(seeded[11]);
  });

  it('archive: the entries under the new realm, in the order given, with their source and redaction', async () => {
    const archived = seeded.slice(0, 5).map((e, i) => ({ ...e, redacted: i === 2 })).reverse();
    await write((tx) => tx.audit.archive('realm-copy', realmId, archived));
    await write((tx) => tx.audit.archive('realm-copy', realmId, []));
    const { rows } = await sql('SELECT * FROM audit_archive WHERE realm_id = $1 ORDER BY ord', ['realm-copy']);
    expect(rows.map((r) => [r.source_realm_id, Number(r.seq), r.id, r.redacted, r.details, r.hash])).toEqual(archived.map((e) => [realmId, e.seq, e.id, e.redacted, e.details, e.hash]));
    // The copy's own chain is untouched.
    expect(await read((tx) => tx.audit.head('realm-copy'))).toBeNull();
  });
});

// The read path never writes: a unit that only reads the head does so in a READ ONLY transaction, which would
// refuse a lock or an insert.
it('head in a read-only unit neither locks nor inserts (PostgreSQL would refuse both)', async () => {
  await expect(read((tx) => tx.audit.head('realm-busy'))).resolves.toMatchObject({ seq: expect.any(Number) });
  await expect(read((tx) => tx.audit.head('realm-ro-none'))).resolves.toBeNull();
  // (drizzle wraps the driver's error: its SQLSTATE is on the cause.)
  await expect(read((tx) => tx.audit.head('realm-busy'), pools[0], 'write')).rejects.toMatchObject({ cause: { code: '25006' } });
});
