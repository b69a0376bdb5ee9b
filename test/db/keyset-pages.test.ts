import { and, asc, desc, eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrateDatabase, openDatabase } from '../../src/db/connection.js';
import { auditEntries, missions } from '../../src/db/schema.js';
import { keysetPages } from '../../src/db/sqlite/repos/keyset-pages.js';
import { withoutOrd } from '../../src/db/sqlite/repos/shared.js';
import type { SortKey } from '../../src/domain/store.js';
import { tempDb } from '../helpers/processes.js';

function database() {
  const { db: connection } = openDatabase(tempDb());
  migrateDatabase(connection);
  return drizzle(connection);
}

/** Every page in turn, each continuing from the last row's key. */
function allPages<R>(read: (key: SortKey | null) => { record: R; key: SortKey }[]) {
  const seen: R[] = [];
  for (let key: SortKey | null = null, pages = 0; pages < 100; pages++) {
    const page = read(key);
    seen.push(...page.map((row) => row.record));
    if (page.length === 0) return seen;
    key = page.at(-1)!.key;
  }
  throw new Error('paging did not end');
}

describe('keyset pages', () => {
  it('walk a filtered, multi-column order page by page, rows equal to one ordered query (ties on every column but the last)', () => {
    const db = database();
    const statuses = ['queued', 'backlog', 'active'];
    for (let i = 0; i < 40; i++) {
      db.insert(missions).values({
        id: `msn-${i}`, realmId: i % 5 === 0 ? 'other' : 'r', title: `m${i}`, status: statuses[i % 3]!, priority: i % 2, createdBy: 'test',
        requiredCapabilities: i % 4 ? ['a'] : [], version: 1, createdAt: `2026-01-01T00:00:0${i % 3}.000Z`, updatedAt: 'x',
      }).run();
    }
    const order = [{ column: missions.priority }, { column: missions.createdAt }, { column: missions.ord }];
    const pages = keysetPages<{ id: string; requiredCapabilities: string[] }>(db, missions, { filters: ['realmId', 'status'], order });
    for (const status of ['queued', undefined]) {
      const expected = db.select().from(missions)
        .where(and(eq(missions.realmId, 'r'), status ? eq(missions.status, status) : undefined))
        .orderBy(asc(missions.priority), asc(missions.createdAt), asc(missions.ord)).all().map(withoutOrd);
      expect(expected.length).toBeGreaterThan(8);
      expect(allPages((key) => pages({ realmId: 'r', status }, key, 3))).toEqual(expected);
    }
  });

  it('walk a descending order below a key, with an absent filter left out', () => {
    const db = database();
    for (let seq = 1; seq <= 12; seq++) {
      db.insert(auditEntries).values({
        id: `act-${seq}`, realmId: 'r', seq, actorKind: 'human', actorId: seq % 2 ? 'ann' : 'bob', action: 'x', entityType: 't', entityId: 'e',
        details: null, prevHash: '0', hash: String(seq), timestamp: 't',
      }).run();
    }
    const log = keysetPages<{ seq: number }>(db, auditEntries, { filters: ['realmId', 'actorId'], order: [{ column: auditEntries.seq, desc: true }] });
    expect(log({ realmId: 'r', actorId: 'ann' }, [8], 10).map((r) => r.record.seq)).toEqual([7, 5, 3, 1]);
    expect(log({ realmId: 'r', actorId: undefined }, null, 3).map((r) => [r.record.seq, r.key])).toEqual([[12, [12]], [11, [11]], [10, [10]]]);
    const all = db.select().from(auditEntries).orderBy(desc(auditEntries.seq)).all().map(withoutOrd);
    expect(allPages((key) => log({ realmId: 'r' }, key, 5))).toEqual(all);
    // A key that does not fit the order (a cursor made by hand) is refused, whatever its length.
    for (const key of [[8, 1], []]) expect(() => log({ realmId: 'r' }, key, 5)).toThrow(expect.objectContaining({ code: 'invalid_input' }));
  });
});
