// The realm export document: realm_export returns it and realm_import takes exactly it back.
import { z } from 'zod';
import { AuditEntry } from '../audit/model.js';
import { agentCliKinds, Runtime } from '../bridge/model.js';
import { Proposal } from '../council/model.js';
import { Directive } from '../directive/model.js';
import { defaultFleetSettings } from '../fleet/settings.js';
import { Node, silentNode } from '../hierarchy/model.js';
import { Budget, Spend } from '../ledger/model.js';
import { Comment, Mission, untriedMission } from '../mission/model.js';
import { newAgentId } from '../params.js';
import { PulseConfig } from '../pulse/model.js';
import { Realm } from './model.js';

export const EXPORT_FORMAT = 'control-plane-mcp/realm';
export const EXPORT_VERSION = 1;

export const ExportedAuditEntry = z.strictObject({ ...AuditEntry.shape, redacted: z.boolean() });

/** Documents exported before runtimes had inheritEnv and permissions get what the migration gave stored ones. */
const ExportedRuntime = z
  .strictObject({ ...Runtime.shape, inheritEnv: Runtime.shape.inheritEnv.default([]), permissions: Runtime.shape.permissions.optional() })
  .overwrite((r) => ({ ...r, permissions: r.permissions === undefined ? (agentCliKinds.includes(r.kind) ? 'edit' : null) : r.permissions }));

/**
 * A record as exported, where fields added since version 1 of the format default to what migration 0008 gave
 * the stored rows: a document exported before them still imports.
 */
function addedSince<S extends z.ZodRawShape>(shape: S, defaults: { [K in keyof S]?: unknown }) {
  const filled = Object.fromEntries(Object.entries(defaults).map(([key, value]) => [key, (shape[key] as unknown as z.ZodType).default(value as never)]));
  return z.strictObject({ ...shape, ...filled } as S);
}

// An imported node becomes an identity here: its id must be one hierarchy_set would take.
const ExportedNode = addedSince({ ...Node.shape, agentId: newAgentId }, silentNode);
const ExportedMission = addedSince(Mission.shape, { blockedBy: [], region: null, maxAttempts: null, ...untriedMission });
const ExportedRealm = addedSince(Realm.shape, { fleet: defaultFleetSettings });

/** The data sections, in dependency order, each a list of strict records. */
export const sectionSchemas = {
  nodes: z.array(ExportedNode),
  directives: z.array(z.strictObject(Directive.shape)),
  missions: z.array(ExportedMission),
  comments: z.array(z.strictObject(Comment.shape)),
  budgets: z.array(z.strictObject(Budget.shape)),
  spend: z.array(z.strictObject(Spend.shape)),
  proposals: z.array(z.strictObject(Proposal.shape)),
  pulses: z.array(z.strictObject(PulseConfig.shape)),
  runtimes: z.array(ExportedRuntime),
};
export type Section = keyof typeof sectionSchemas;
export const sections = Object.keys(sectionSchemas) as Section[];

export const RealmExport = z.strictObject({
  format: z.literal(EXPORT_FORMAT),
  version: z.literal(EXPORT_VERSION),
  exportedAt: z.string(),
  source: z.strictObject({
    realmId: z.string(),
    auditHeadHash: z.string().nullable(),
    auditEntryCount: z.number().int(),
  }),
  scrubbed: z.boolean(),
  redactedCount: z.number().int(),
  realm: ExportedRealm,
  ...sectionSchemas,
  audit: z.array(ExportedAuditEntry),
});
export type RealmExport = z.infer<typeof RealmExport>;
