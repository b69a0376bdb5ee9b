// Seeds benchmark databases in-process through the built domain (npm run build first). Missions and agents go
// in through the store's repositories, spends through the ledger's own step (so that whatever totals or
// roll-ups it keeps are kept), and every audit entry is hashed by the domain's entryHash on its chain, so the
// chain verifies. Many steps share one store.write: a million audit entries one transaction each would take
// most of the five-minute budget, and so would appendAudit's secret scrubbing and change-feed rows, which bulk
// entries skip (bulkAudit).
import { getTableColumns } from 'drizzle-orm';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { createApp } from '../../dist/app.js';
import { entryHash } from '../../dist/domain/audit/chain.js';
import { canonicalJson } from '../../dist/domain/audit/canonical.js';
import { GENESIS_HASH } from '../../dist/domain/audit/hash-input.js';
import { auditEntries } from '../../dist/db/schema.js';
import { newId } from '../../dist/domain/ids.js';
import { spendStep } from '../../dist/domain/ledger/spend.js';
import { createRealm } from '../../dist/domain/realm/lifecycle.js';
import { silentNode } from '../../dist/domain/hierarchy/model.js';
import { untriedMission } from '../../dist/domain/mission/model.js';
import { localAdmin, systemPrincipal } from '../../dist/domain/principal.js';

const BATCH = 20_000;

/** The 1x data set; the 10x one multiplies every count by 10 (bench/suite.mjs). */
export const scaleOne = { agents: 1_000, missions: 10_000, spends: 2_000, audit: 100_000 };
export const times = (scale, k) => Object.fromEntries(Object.entries(scale).map(([key, n]) => [key, n * k]));

/** Agents in the org realm form a tree with FAN_OUT reports per manager (1,000 agents: 4 levels; 10,000: 5). */
export const FAN_OUT = 10;
export const agentId = (i) => `agent-${i}`;
const managerOf = (i) => (i === 0 ? null : agentId(Math.floor((i - 1) / FAN_OUT)));
/** A node at depth 3 (a chain of 4), present at either size: chains are compared on the same node. */
export const CHAIN_AGENT = agentId(500);
/** A capability exactly RARE_HOLDERS agents hold at every size: find is compared on the same answer. */
export const RARE_SKILL = 'rare-skill';
export const RARE_HOLDERS = 10;
/** An actor with the same number of audit entries at every size, spread over the whole chain. */
export const RARE_ACTOR = 'agent-audited';
const RARE_ACTOR_ENTRIES = 100;
/**
 * Who spends, and mission statuses: as in a realm that has been working for a while, the newest 10% are
 * queued and the older ones went through the others. A page of queued missions in priority order is then not
 * among the first rows of that order: a query that walks the order and filters reads most of the realm.
 */
const SPENDERS = 50;
const QUEUED_SHARE = 0.1;
const olderStatuses = ['backlog', 'active', 'complete', 'complete', 'complete', 'complete', 'complete', 'cancelled', 'blocked', 'review'];
const priorities = ['critical', 'high', 'normal', 'low'];

function openApp(db) {
  const app = createApp({ db, logger: pino({ level: 'silent' }), scheduler: false });
  // A large page cache for the indexes being filled. A seeded file is thrown away if the machine fails: it need not wait for the disk.
  app.store.db.pragma('cache_size = -262144');
  app.store.db.pragma('synchronous = OFF');
  return app;
}
const iso = (app) => app.clock.now().toISOString();

/** Runs `step(tx, i)` for i in [0, count), BATCH per transaction. */
async function batched(store, count, step) {
  for (let start = 0; start < count; start += BATCH) {
    const end = Math.min(count, start + BATCH);
    await store.write(function* (tx) {
      for (let i = start; i < end; i++) yield* step(tx, i);
    });
  }
}

/**
 * Ids of the form newId makes (a version 4 UUID's layout), counting up after a random prefix: inserted in
 * order, they append to the unique index on ids instead of writing all over it (seeding the 10x set: 30 s
 * of CPU with random ids, 25 s with these).
 */
function orderedIds(prefix) {
  const run = randomBytes(4).toString('hex');
  let n = 0;
  return () => `${prefix}-${run}-0000-4000-8000-${(n++).toString(16).padStart(12, '0')}`;
}

/** A multi-row INSERT of every audit_entries column but ord, named from the schema (ROWS rows a statement). */
const ROWS = 100;
function auditInsert(db) {
  const columns = Object.entries(getTableColumns(auditEntries)).filter(([key]) => key !== 'ord');
  const tuple = `(${columns.map(() => '?').join(',')})`;
  const statement = db.prepare(`INSERT INTO audit_entries (${columns.map(([, c]) => `"${c.name}"`).join(',')}) VALUES ${Array(ROWS).fill(tuple).join(',')}`);
  return (entries) => statement.run(entries.flatMap((e) => columns.map(([key]) => e[key])));
}

/**
 * Appends `count` entries made by `make(i)` ({actorKind, actorId, action, entityType, entityId, details}, details
 * as canonical text or null) to the realm's chain: hashed by entryHash, inserted ROWS at a time, the last of
 * each batch through the port's append so that the realm's head moves as it would.
 */
async function bulkAudit(app, realmId, count, make) {
  const insert = auditInsert(app.store.db);
  const id = orderedIds('act');
  let head = (await app.store.read((tx) => tx.audit.head(realmId))) ?? { seq: 0, hash: GENESIS_HASH };
  for (let start = 0; start < count; start += BATCH) {
    const end = Math.min(count, start + BATCH);
    await app.store.write(function* (tx) {
      const entries = [];
      for (let i = start; i < end; i++) {
        const base = { id: id(), realmId, seq: head.seq + 1, ...make(i), prevHash: head.hash, timestamp: iso(app) };
        const entry = { ...base, hash: entryHash(base) };
        entries.push(entry);
        head = entry;
      }
      const last = entries.pop();
      let at = 0;
      for (; at + ROWS <= entries.length; at += ROWS) insert(entries.slice(at, at + ROWS));
      for (const entry of entries.slice(at)) yield* tx.audit.append(entry);
      yield* tx.audit.append(last);
    });
  }
}

/**
 * Seeds a database file: an "org" realm of `agents` nodes (a tree, FAN_OUT per manager) and a "data" realm with
 * `missions` missions (the newest 10% queued), `spends` spends this month by SPENDERS agents, and `audit` entries in its
 * chain in all (the spends' own, one per mission, then activity, RARE_ACTOR's spread evenly).
 * Returns the realm ids and the seconds each part took.
 */
export async function seedData(db, scale) {
  const app = openApp(db);
  const ctx = { store: app.store, clock: app.clock, principal: localAdmin };
  const org = await createRealm(ctx, { name: 'org', owner: 'bench' });
  const data = await createRealm(ctx, { name: 'data', owner: 'bench' });
  const seconds = {};
  let lapStart = performance.now();
  const lap = (name) => {
    seconds[name] = Number(((performance.now() - lapStart) / 1000).toFixed(2));
    lapStart = performance.now();
  };

  const node = (i) => ({
    agentId: agentId(i), realmId: org.id, reportsTo: managerOf(i), title: `title ${i}`,
    capabilities: i % Math.floor(scale.agents / RARE_HOLDERS) === 1 ? ['work', RARE_SKILL] : ['work'],
    rank: 0, status: 'active', runtimeId: null, ...silentNode, version: 1, createdAt: iso(app), updatedAt: iso(app),
  });
  await batched(app.store, scale.agents, (tx, i) => tx.nodes.insert(node(i)));
  await bulkAudit(app, org.id, scale.agents, (i) => {
    const { reportsTo, title, rank, capabilities } = node(i);
    return { actorKind: 'human', actorId: localAdmin.id, action: 'created', entityType: 'agent', entityId: agentId(i), details: canonicalJson({ reportsTo, title, rank, capabilities }) };
  });
  lap('agents');

  // Spends first: spendStep appends their audit entries itself.
  const system = { ...ctx, principal: systemPrincipal };
  await batched(app.store, scale.spends, (tx, i) =>
    spendStep(tx, system, { realmId: data.id, agentId: agentId(i % SPENDERS), costCents: 1 + (i % 7), provider: 'bench', model: `model-${i % 3}`, inputTokens: 100, outputTokens: 50 }),
  );
  lap('spends');

  const missionIds = [];
  const mission = (i) => {
    const status = i >= scale.missions * (1 - QUEUED_SHARE) ? 'queued' : olderStatuses[i % olderStatuses.length];
    const started = ['active', 'review', 'blocked', 'complete'].includes(status);
    const at = iso(app);
    return {
      id: newId('msn'), realmId: data.id, directiveId: null, parentId: null, title: `mission ${i}`, description: null, status,
      priority: priorities[i % priorities.length], assigneeId: started ? agentId(i % SPENDERS) : null, createdBy: 'bench', billingCode: null,
      requiredCapabilities: ['work'], blockedBy: [], region: null, maxAttempts: null, ...untriedMission, version: 1, startedAt: started ? at : null, completedAt: status === 'complete' ? at : null, createdAt: at, updatedAt: at,
    };
  };
  await batched(app.store, scale.missions, function* (tx, i) {
    const m = mission(i);
    missionIds.push(m);
    yield* tx.missions.insert(m);
  });
  await bulkAudit(app, data.id, scale.missions, (i) => {
    const m = missionIds[i];
    return { actorKind: 'human', actorId: 'bench', action: 'created', entityType: 'mission', entityId: m.id, details: canonicalJson({ title: m.title, status: m.status, priority: m.priority, directiveId: null }) };
  });
  lap('missions');

  const activity = scale.audit - scale.missions - scale.spends;
  const rareEvery = Math.floor(activity / RARE_ACTOR_ENTRIES);
  const note = 'x'.repeat(40);
  await bulkAudit(app, data.id, activity, (i) => ({
    actorKind: 'agent', actorId: i % rareEvery === rareEvery - 1 ? RARE_ACTOR : agentId(i % SPENDERS),
    action: 'bench.tick', entityType: 'bench', entityId: `e${i}`, details: `{"i":${i},"note":"${note}"}`,
  }));
  lap('activity');

  await app.close();
  return { orgRealm: org.id, dataRealm: data.id, seconds };
}

/**
 * Seeds a database for writes from several processes: one realm, agents agent-0.. with capability "work", and
 * `missions` queued missions needing it. Returns the realm and the mission ids in creation order.
 */
export async function seedQueue(db, { agents, missions }) {
  const app = openApp(db);
  const realm = await createRealm({ store: app.store, clock: app.clock, principal: localAdmin }, { name: 'queue', owner: 'bench' });
  await batched(app.store, agents, (tx, i) =>
    tx.nodes.insert({ agentId: agentId(i), realmId: realm.id, reportsTo: null, title: null, capabilities: ['work'], rank: 0, status: 'active', runtimeId: null, ...silentNode, version: 1, createdAt: iso(app), updatedAt: iso(app) }),
  );
  const ids = [];
  await batched(app.store, missions, (tx, i) => {
    const at = iso(app);
    const id = newId('msn');
    ids.push(id);
    return tx.missions.insert({
      id, realmId: realm.id, directiveId: null, parentId: null, title: `mission ${i}`, description: null, status: 'queued', priority: 'normal',
      assigneeId: null, createdBy: 'bench', billingCode: null, requiredCapabilities: ['work'], blockedBy: [], region: null, maxAttempts: null, ...untriedMission, version: 1, startedAt: null, completedAt: null, createdAt: at, updatedAt: at,
    });
  });
  await bulkAudit(app, realm.id, missions, (i) => ({
    actorKind: 'human', actorId: 'bench', action: 'created', entityType: 'mission', entityId: ids[i], details: canonicalJson({ title: `mission ${i}`, status: 'queued', priority: 'normal', directiveId: null }),
  }));
  await app.close();
  return { realmId: realm.id, missions: ids };
}
