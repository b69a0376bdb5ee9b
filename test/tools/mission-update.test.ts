// mission_update (edits and delegation) and blockedBy on create and update, through a real MCP client on a real
// SQLite database; the chain-of-command rules with agent and operator principals as HTTP tokens would make them.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { agentPrincipal, operatorPrincipal } from '../../src/domain/principal.js';
import { connect } from '../helpers/connect.js';
import { orgSession } from '../helpers/org.js';

let s: Awaited<ReturnType<typeof connect>>;
let realmId: string;
const sessions: Awaited<ReturnType<typeof connect>>[] = [];
beforeEach(async () => void ({ s, realmId } = await orgSession()));
afterEach(async () => {
  for (const other of sessions.splice(0)) await other.close();
  await s.close();
});

/** A session on the same server as another principal. */
async function as(principal: ReturnType<typeof agentPrincipal>) {
  const session = await connect({ app: s.app, principal });
  sessions.push(session);
  return session;
}

const db = () => (s.app.store as unknown as { db: import('better-sqlite3').Database }).db;
/** The mission_blockers rows of a realm, as "mission<-blocker", sorted. */
const blockerRows = (realm = realmId) =>
  (db().prepare('SELECT mission_id, blocker_id FROM mission_blockers WHERE realm_id = ?').all(realm) as { mission_id: string; blocker_id: string }[])
    .map((r) => `${r.mission_id}<-${r.blocker_id}`)
    .sort();
const mission = (extra: Record<string, unknown> = {}) => s.call('mission_create', { realmId, title: 'Build authentication', createdBy: 'agent-cto', ...extra });
const get = async (id: string) => (await s.call('mission_list', { realmId, limit: 1000 })).missions.find((m: { id: string }) => m.id === id);
const audit = async (action: string) => (await s.call('council_activity_log', { realmId, action })).entries;

describe('blockedBy on mission_create', () => {
  it('keeps the deduplicated list on the mission and in mission_blockers, with region and maxAttempts', async () => {
    const a = await mission();
    const b = await mission();
    const c = await mission({ blockedBy: [a.id, b.id, a.id], region: 'eu-west', maxAttempts: 5 });
    expect(c).toMatchObject({ blockedBy: [a.id, b.id], region: 'eu-west', maxAttempts: 5 });
    expect(blockerRows()).toEqual([`${c.id}<-${a.id}`, `${c.id}<-${b.id}`].sort());
    expect((await mission()).blockedBy).toEqual([]);
  });

  it('refuses an unknown blocker (or one of another realm) and writes nothing', async () => {
    const other = (await s.call('realm_create', { name: 'other', owner: 'admin' })).id;
    const foreign = await s.call('mission_create', { realmId: other, title: 'x', createdBy: 'a' });
    const a = await mission();
    for (const bad of ['msn-nope', foreign.id]) {
      const error = await s.fail('mission_create', { realmId, title: 'x', createdBy: 'agent-cto', blockedBy: [a.id, bad] });
      expect(error).toMatchObject({ code: 'not_found', details: { field: 'blockedBy', id: bad } });
    }
    expect((await s.call('mission_list', { realmId })).count).toBe(1);
    expect(blockerRows()).toEqual([]);
    expect((await s.fail('mission_create', { realmId, title: 'x', createdBy: 'a', maxAttempts: 0 })).details).toMatchObject({ field: 'maxAttempts' });
  });
});
