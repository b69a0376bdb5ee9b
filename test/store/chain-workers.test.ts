// Verify in worker processes (Store.checkChain on a SQLite file: src/db/sqlite/chain-workers.ts) against verify's
// walk on the event loop, on the same file, for an intact chain and for each kind of damage. The workers run
// from the build (dist/): from the TypeScript sources there is no worker file to start, and verify walks.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

const dist = new URL('../../dist/', import.meta.url).href;
// The built modules, untyped here (the types are the sources').
type Any = any;
const load = (path: string): Promise<Any> => import(/* @vite-ignore */ `${dist}${path}`);

const ENTRIES = 3_000;
let dir: string;
let file: string;
let realmId: string;
let mods: Record<string, Any>;
let db: Any; // a writable connection, to damage the chain as someone with the file could
let pristine: Buffer;

const stores: Any[] = [];
function store(chainWorkers: { minEntries: number; workers?: number }) {
  const { db: conn } = mods.connection.openDatabase(file);
  const s = new mods.store.SqliteStore(conn, { chainWorkers });
  stores.push(s);
  return s;
}
const verify = (s: Any, input: Record<string, unknown> = {}) =>
  mods.verify.verifyChain({ store: s, clock: mods.clock.systemClock, principal: mods.principal.localAdmin }, { realmId, ...input });

beforeAll(async () => {
  mods = {
    app: await load('app.js'), connection: await load('db/connection.js'), store: await load('db/sqlite/store.js'), verify: await load('domain/audit/verify.js'),
    chain: await load('domain/audit/chain.js'), realm: await load('domain/realm/lifecycle.js'), principal: await load('domain/principal.js'), clock: await load('domain/clock.js'),
  };
  dir = mkdtempSync(join(tmpdir(), 'cp-chain-workers-'));
  file = join(dir, 'chain.db');
  const app = mods.app.createApp({ db: file, scheduler: false, logger: (await import('pino')).default({ level: 'silent' }) });
  const ctx = { store: app.store, clock: app.clock, principal: mods.principal.localAdmin };
  realmId = (await mods.realm.createRealm(ctx, { name: 'chain', owner: 'test' })).id;
  for (let done = 1; done < ENTRIES; done += 500) {
    await app.store.write(function* (tx: Any) {
      for (let i = 0; i < 500 && done + i < ENTRIES; i++) {
        yield* mods.chain.appendAudit(tx, app.clock, { realmId, actor: mods.principal.localAdmin, action: 'tick', entityType: 't', entityId: `e${done + i}`, details: { i: done + i, say: 'a "quoted" word\n' } });
      }
    });
  }
  await app.close();
  pristine = (await import('node:fs')).readFileSync(file);
});
beforeEach(async () => {
  stores.splice(0).forEach((s) => s.close());
  db?.close();
  (await import('node:fs')).writeFileSync(file, pristine);
  rmSync(`${file}-wal`, { force: true });
  rmSync(`${file}-shm`, { force: true });
  const { Database } = await load('db/sqlite/driver.js');
  db = new Database(file);
});
afterAll(() => {
  stores.forEach((s) => s.close());
  db?.close();
  rmSync(dir, { recursive: true, force: true });
});

const flip = "(CASE WHEN substr(%c, 1, 1) = 'a' THEN 'b' ELSE 'a' END) || substr(%c, 2)";
const damages: [string, string][] = [
  ['a field changed in the second stretch', "UPDATE audit_entries SET actor_id = 'someone' WHERE realm_id = @realmId AND seq = 1500"],
  ['a hash changed on a stretch boundary', `UPDATE audit_entries SET hash = ${flip.replaceAll('%c', 'hash')} WHERE realm_id = @realmId AND seq = 1000`],
  ['a prevHash changed at the first entry of a stretch', `UPDATE audit_entries SET prev_hash = ${flip.replaceAll('%c', 'prev_hash')} WHERE realm_id = @realmId AND seq = 1001`],
  ['entries missing across a boundary', 'DELETE FROM audit_entries WHERE realm_id = @realmId AND seq BETWEEN 995 AND 1010'],
  ['a whole stretch missing', 'DELETE FROM audit_entries WHERE realm_id = @realmId AND seq BETWEEN 1001 AND 2000'],
  ['the tail cut off', 'DELETE FROM audit_entries WHERE realm_id = @realmId AND seq > 2500'],
  ['the head moved back', "UPDATE audit_heads SET seq = 2000, hash = (SELECT hash FROM audit_entries WHERE realm_id = @realmId AND seq = 2000) WHERE realm_id = @realmId"],
  // Only a hand edit writes these: a read that continued from seq + 1 stepped over them.
  ...[1000.5, 1024.5, 2999.5, 3000.5].map((seq): [string, string] => [
    `a row forged at seq ${seq}`,
    `INSERT INTO audit_entries (id, realm_id, seq, actor_kind, actor_id, action, entity_type, entity_id, details, prev_hash, hash, timestamp) ` +
      `SELECT 'act-forged', realm_id, ${seq}, actor_kind, actor_id, action, entity_type, entity_id, details, prev_hash, hash, timestamp FROM audit_entries WHERE realm_id = @realmId AND seq = ${Math.floor(seq)}`,
  ]),
  ['the head moved on with its hash', 'UPDATE audit_heads SET seq = seq + 5 WHERE realm_id = @realmId'],
  ['an escape undone in the last stretch', "UPDATE audit_entries SET details = replace(details, '\\\"', '''') WHERE realm_id = @realmId AND seq = 2999"],
];

describe('verify in worker processes', () => {
  it('checks a long range in stretches, one per worker, and agrees with the walk', async () => {
    const workers = store({ minEntries: 1, workers: 3 });
    const stretches = await workers.checkChain(realmId, 1, ENTRIES);
    expect(stretches).toHaveLength(3);
    expect(stretches.map((s: Any) => s.first.seq)).toEqual([1, 1001, 2001]);
    const result = await verify(workers);
    expect(result).toEqual({ valid: true, entryCount: ENTRIES, headHash: expect.stringMatching(/^[0-9a-f]{64}$/), firstInvalidSeq: null, reason: null });
    expect(await verify(store({ minEntries: Infinity }))).toEqual(result);
    expect(await verify(workers, { fromSeq: 700, toSeq: 2300 })).toMatchObject({ valid: true, entryCount: 1601 });
  });

  it('runs at most a few workers in the process, however many verifies run at once; the others walk', async () => {
    const workers = store({ minEntries: 1, workers: 3 });
    const answers = await Promise.all(Array.from({ length: 6 }, () => workers.checkChain(realmId, 1, ENTRIES)));
    const stretches = answers.filter(Boolean).reduce((n: number, a: Any[]) => n + a.length, 0);
    expect(stretches).toBeGreaterThanOrEqual(3);
    expect(stretches).toBeLessThanOrEqual(Math.max(4, (await import('node:os')).availableParallelism()));
    expect(answers).toContain(null);
    const verdicts = await Promise.all(Array.from({ length: 6 }, () => verify(workers)));
    expect(verdicts.every((v: Any) => v.valid && v.entryCount === ENTRIES)).toBe(true);
    // All of them ended: the next verify gets its workers again.
    expect(await workers.checkChain(realmId, 1, ENTRIES)).toHaveLength(3);
  });

  it('walks, and says so, when a worker cannot read the file', async () => {
    const errors: unknown[] = [];
    const { db: conn } = mods.connection.openDatabase(file);
    const s = new mods.store.SqliteStore(conn, { chainWorkers: { minEntries: 1, workers: 2, onError: (e: unknown) => errors.push(e) } });
    stores.push(s);
    // The store keeps its open connection; a worker opens the file by name and finds none.
    (await import('node:fs')).renameSync(file, `${file}.moved`);
    try {
      expect(await s.checkChain(realmId, 1, ENTRIES)).toBeNull();
      expect(errors.length).toBeGreaterThan(0);
      expect(await verify(s)).toMatchObject({ valid: true, entryCount: ENTRIES });
    } finally {
      (await import('node:fs')).renameSync(`${file}.moved`, file);
    }
  });

  it('leaves short ranges to the walk', async () => {
    expect(await store({ minEntries: 5_000 }).checkChain(realmId, 1, ENTRIES)).toBeNull();
  });

  for (const [what, statement] of damages) {
    it(`finds ${what} where the walk does`, async () => {
      const before = JSON.stringify(db.prepare('SELECT * FROM audit_entries WHERE realm_id = ? ORDER BY seq').all(realmId)) + JSON.stringify(db.prepare('SELECT * FROM audit_heads').all());
      db.prepare(statement).run({ realmId });
      const after = JSON.stringify(db.prepare('SELECT * FROM audit_entries WHERE realm_id = ? ORDER BY seq').all(realmId)) + JSON.stringify(db.prepare('SELECT * FROM audit_heads').all());
      expect(after, 'the statement must change the chain').not.toBe(before);
      const walked = await verify(store({ minEntries: Infinity }));
      expect(walked.valid).toBe(false);
      const workers = store({ minEntries: 1, workers: 3 });
      expect(await workers.checkChain(realmId, 1, 2000), 'the workers ran (no fallback to the walk)').toHaveLength(3);
      expect(await verify(workers)).toEqual(walked);
      expect(await verify(store({ minEntries: 1, workers: 2 }), { fromSeq: 2 })).toEqual(await verify(store({ minEntries: Infinity }), { fromSeq: 2 }));
    });
  }
});
