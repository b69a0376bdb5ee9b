// The MCP resources, one declaration each: a view of a realm read as JSON (the same shapes as the tools).
import { auditOverview } from '../domain/audit/overview.js';
import type { DomainContext } from '../domain/context.js';
import { directiveTree } from '../domain/directive/tree.js';
import { orgTree } from '../domain/hierarchy/queries.js';
import { budgetOverview } from '../domain/ledger/overview.js';
import { missionBoard } from '../domain/mission/board.js';
import { pulseOverview } from '../domain/pulse/config.js';
import { realmSummary, realmsOverview } from '../domain/realm/overview.js';
import type { Permission } from '../tools/permissions.js';

export const SCHEME = 'controlplane://';
export const REALMS_URI = `${SCHEME}realms`;
export const realmUri = (realmId: string, view = '') => `${REALMS_URI}/${encodeURIComponent(realmId)}${view ? `/${view}` : ''}`;
export const realmUriTemplate = (view = '') => `${REALMS_URI}/{realmId}${view ? `/${view}` : ''}`;

export interface RealmView {
  /** The last path segment ('' for the realm itself). */
  view: '' | 'tree' | 'budget' | 'audit' | 'directives' | 'missions' | 'pulse';
  name: string;
  /** What a reader needs (as for the tools: permissions.ts). */
  permission: Permission;
  title: string;
  description: string;
  read(ctx: DomainContext, realmId: string): Promise<unknown>;
}

export const realmsResource = {
  name: 'realms',
  title: 'All realms',
  description: 'Every realm (at most 1000, newest first) with counts of agents, directives, missions and pending proposals.',
  permission: 'control_plane:realms:read' as Permission,
  read: (ctx: DomainContext) => realmsOverview(ctx),
};

export const realmViews: RealmView[] = [
  {
    view: '',
    permission: 'control_plane:realms:read',
    name: 'realm',
    title: 'Realm summary',
    description: 'The realm with a summary of everything in it: agents, directives, missions and proposals by status, budgets, this month\'s spend, and the audit head.',
    read: realmSummary,
  },
  {
    view: 'tree',
    permission: 'control_plane:agents:read',
    name: 'org-tree',
    title: 'Org chart',
    description: 'The realm\'s org chart as trees, as hierarchy_tree returns it (each agent with its liveness and region).',
    read: (ctx, realmId) => orgTree(ctx, { realmId }),
  },
  {
    view: 'budget',
    permission: 'control_plane:spend:read',
    name: 'budget',
    title: 'Budgets',
    description: 'Every budget of the realm with its check for this month, and this month\'s spend by agent.',
    read: budgetOverview,
  },
  {
    view: 'audit',
    permission: 'control_plane:audit:read',
    name: 'audit',
    title: 'Audit trail',
    description: 'The newest 50 audit entries and the verification of the whole chain.',
    read: auditOverview,
  },
  {
    view: 'directives',
    permission: 'control_plane:directives:read',
    name: 'directives',
    title: 'Directive tree',
    description: 'The realm\'s goals as a tree.',
    read: directiveTree,
  },
  {
    view: 'missions',
    permission: 'control_plane:missions:read',
    name: 'missions',
    title: 'Mission board',
    description: 'Missions grouped by status (most urgent first) with counts per status.',
    read: missionBoard,
  },
  {
    view: 'pulse',
    permission: 'control_plane:pulses:read',
    name: 'pulse',
    title: 'Pulses',
    description: 'Every pulse of the realm with its next runs, and the dead letters (attempts that failed past their retries).',
    read: pulseOverview,
  },
];

/** Which views of a realm a committed change touches, by topic (the realm summary is touched by all). */
const viewsTouched: Record<string, RealmView['view'][]> = {
  'realm.lifecycle': ['', 'tree', 'budget', 'audit', 'directives', 'missions', 'pulse'],
  'pulse.changed': ['pulse'],
  'pulse.run': ['pulse'],
  'hierarchy.changed': ['', 'tree'],
  // A heartbeat that changes an agent's liveness (the tree shows it; time passing alone announces nothing).
  'hierarchy.liveness': ['tree'],
  'directive.lifecycle': ['', 'directives'],
  'mission.lifecycle': ['', 'missions'],
  'ledger.spend_recorded': ['', 'budget'],
  'ledger.budget_set': ['', 'budget'],
  'ledger.alert': ['', 'budget'],
  'council.proposal': [''],
  'council.override': ['', 'tree'],
  'audit.appended': ['audit'],
  // A running run's output chunk changes no view (runs are not in one, and output is never stored): without
  // this every chunk would announce the realm summary as updated.
  'bridge.run.output': [],
};
// Topics that change the counts in the all-realms list.
const listed = new Set(['realm.lifecycle', 'hierarchy.changed', 'directive.lifecycle', 'mission.lifecycle', 'council.proposal']);

/**
 * The URIs a bus message may have changed. After `store.resync` (the PostgreSQL change feed reconnected, so
 * other instances' changes may have been missed) that is every view of every realm, named in its payload.
 */
export function urisTouched(topic: string, realmId: string | null, payload: Record<string, unknown> = {}): string[] {
  if (topic === 'store.resync') {
    const realmIds = Array.isArray(payload.realmIds) ? (payload.realmIds as string[]) : [];
    return [REALMS_URI, ...realmIds.flatMap((id) => realmViews.map((v) => realmUri(id, v.view)))];
  }
  const uris = realmId ? (viewsTouched[topic] ?? ['']).map((view) => realmUri(realmId, view)) : [];
  if (listed.has(topic)) uris.push(REALMS_URI);
  return uris;
}

// Compiled once: every change announced to a 2026-07-28 session is checked against it.
const realmUriPattern = new RegExp(`^${REALMS_URI}/([^/]+)(?:/([a-z]+))?$`);

/** The realm and view a URI of ours names, or null (a realm id is percent-decoded). */
export function parseUri(uri: string): { realmId: string | null; view: RealmView | null } | null {
  if (uri === REALMS_URI) return { realmId: null, view: null };
  const match = realmUriPattern.exec(uri);
  const view = match ? realmViews.find((v) => v.view === (match[2] ?? '')) : undefined;
  return match && view ? { realmId: decodeURIComponent(match[1]!), view } : null;
}
