import { z } from 'zod';
import { appendAudit } from '../audit/chain.js';
import { canonicalJson } from '../audit/canonical.js';
import { isoNow } from '../clock.js';
import type { DomainContext } from '../context.js';
import { payloadSchemas } from '../council/payloads.js';
import { invalidInput } from '../errors.js';
import { generatedIdPattern, newId, type IdPrefix } from '../ids.js';
import { principalId, title } from '../params.js';
import type { Step, Tx } from '../store.js';
import { REDACTED, redactText } from '../secrets.js';
import { parseOrThrow } from '../validation.js';
import type { Realm } from './model.js';
import { RealmExport, sections, type Section } from './transfer-model.js';

const MAX_IMPORT_BYTES = 32 * 1024 * 1024;

export const ImportRealm = z.strictObject({
  data: RealmExport.refine(
    (d) => Buffer.byteLength(JSON.stringify(d), 'utf8') <= MAX_IMPORT_BYTES,
    'an import document may be at most 32 MiB',
  ).describe('A document exactly as realm_export returned it.'),
  newOwner: principalId('Owner of the new realm (default: the exported owner).').optional(),
  newName: title.optional().describe('Name of the new realm (default: the exported name).'),
  dryRun: z.boolean().default(false).describe('Check the document and report counts and warnings without writing.'),
});
export type ImportRealm = z.output<typeof ImportRealm>;

export interface ImportResult {
  realm: Realm | null;
  dryRun: boolean;
  counts: Record<string, number>;
  warnings: string[];
  sourceRealmId: string;
  sourceHeadHash: string | null;
}

/** Thrown to roll a dry run back after it has done (and so checked) every write. */
class DryRun extends Error {
  constructor(readonly result: ImportResult) {
    super('dry run');
  }
}

/** A consistent map from every id the document defines to a fresh one with the same prefix. */
function idMap(doc: RealmExport): Map<string, string> {
  const map = new Map<string, string>([[doc.realm.id, newId('realm')]]);
  for (const s of sections) {
    for (const record of doc[s] as Record<string, unknown>[]) {
      const id = record.id;
      if (typeof id === 'string' && generatedIdPattern.test(id)) map.set(id, newId(id.slice(0, id.indexOf('-')) as IdPrefix));
    }
  }
  return map;
}

/** Replaces every string that is a remapped id, at any depth (ids inside payloads and effects too). */
function remap<T>(value: T, ids: Map<string, string>): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return ids.get(v) ?? v;
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, inner]) => [k, walk(inner)]));
    return v;
  };
  return walk(value) as T;
}

/**
 * A runtime reference that was not exported with the realm names a global runtime: kept when the target has
 * that global runtime, cleared with a warning when it does not.
 */
function* keepGlobalRuntime(tx: Tx, record: Record<string, unknown>, ids: Map<string, string>, warn: (w: string) => void, what: string): Step<void> {
  const runtimeId = record.runtimeId;
  if (typeof runtimeId !== 'string' || [...ids.values()].includes(runtimeId)) return;
  const runtime = yield* tx.runtimes.get(runtimeId);
  if (runtime && runtime.realmId === null) return;
  warn(`${what}: runtime ${runtimeId} does not exist here; runtimeId cleared`);
  record.runtimeId = null;
}

/** Per-section adjustments on the way in. */
const fixups: Partial<Record<Section, (tx: Tx, record: Record<string, unknown>, ids: Map<string, string>, warn: (w: string) => void) => Step<void>>> = {
  *nodes(tx, node, ids, warn) {
    yield* keepGlobalRuntime(tx, node, ids, warn, `agent ${String(node.agentId)}`);
  },
  *pulses(tx, pulse, ids, warn) {
    yield* keepGlobalRuntime(tx, pulse, ids, warn, `pulse of ${String(pulse.agentId)}`);
    // Schedules never start by themselves in a new place.
    pulse.enabled = false;
  },
};

/**
 * An export holds its own realm's records only. A record naming another realm (or a runtime naming none: a
 * global one) was put there by hand, and would land outside the realm being made: in another realm's org or
 * budgets, unaudited, or as a global runtime that every realm's operators could invoke.
 */
function requireOwnRecords(doc: RealmExport) {
  for (const s of sections) {
    (doc[s] as Record<string, unknown>[]).forEach((record, i) => {
      if ('realmId' in record && record.realmId !== doc.realm.id) {
        throw invalidInput(`data.${s}[${i}].realmId`, `names ${record.realmId === null ? 'no realm' : `realm ${String(record.realmId)}`}: an export holds records of its own realm (${doc.realm.id}) only`);
      }
    });
  }
}

/**
 * A pending proposal's payload is carried out as it stands when it is approved: it must be one council_submit
 * would take (its kind's schema; approval checks the rest again), and is stored as council_submit stores it
 * (trimmed, defaults filled). Decided ones are history and stay as they were.
 */
function submittable(doc: RealmExport): RealmExport {
  const proposals = doc.proposals.map((p, i) =>
    p.status === 'pending' ? { ...p, payload: parseOrThrow(payloadSchemas[p.kind], p.payload ?? {}, ['data', 'proposals', i, 'payload']) } : p,
  );
  return { ...doc, proposals };
}

/** What the admin importing a document registers by it: each runtime runs its command or calls its URL from here. */
const runtimeWarnings = (doc: RealmExport) =>
  doc.runtimes.map((r) => {
    const does = r.url !== null ? `it calls ${r.url}` : `it runs ${r.command ?? `the ${r.kind} CLI`} on this server as its user`;
    return `runtime ${r.name} (${r.kind}) is registered for the new realm: ${redactText(does).text} when invoked${scrubbedParts(r)}`;
  });

/** Where a runtime from a scrubbed export holds REDACTED instead of its value (it would run with that text). */
function scrubbedParts(r: RealmExport['runtimes'][number]) {
  const hidden = (values: Record<string, string> | null) => Object.entries(values ?? {}).filter(([, v]) => v.includes(REDACTED)).map(([k]) => k);
  const parts = [
    ...hidden(r.envVars).map((k) => `envVars.${k}`),
    ...hidden(r.headers).map((k) => `headers.${k}`),
    ...(r.args.some((a) => a.includes(REDACTED)) ? ['args'] : []),
    ...(r.url?.includes(REDACTED) ? ['url'] : []),
  ];
  if (!parts.length) return '';
  return `; ${parts.join(', ')} ${parts.length === 1 ? 'holds' : 'hold'} ${REDACTED} (scrubbed from the export): register it again with the values, or with \${env:NAME} references`;
}

function* importInto(tx: Tx, ctx: DomainContext, input: ImportRealm): Step<ImportResult> {
  requireOwnRecords(input.data);
  const doc = submittable(input.data);
  const ids = idMap(doc);
  const warnings: string[] = runtimeWarnings(doc);
  const now = isoNow(ctx.clock);
  const realm: Realm = {
    ...remap(doc.realm, ids),
    name: input.newName ?? doc.realm.name,
    owner: input.newOwner ?? doc.realm.owner,
    status: 'active',
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
  yield* tx.realms.insert(realm);

  const stored = tx.realmData.sections();
  const counts: Record<string, number> = {};
  for (const s of sections) {
    const records = remap(doc[s] as Record<string, unknown>[], ids).map((r) => ({ ...r }));
    counts[s] = records.length;
    if (records.length === 0) continue;
    if (!stored.includes(s)) {
      warnings.push(`section ${s}: this server does not store it yet; ${records.length} records skipped`);
      counts[s] = 0;
      continue;
    }
    const fixup = fixups[s];
    if (fixup) for (const r of records) yield* fixup(tx, r, ids, (w) => warnings.push(w));
    yield* tx.realmData.load(realm.id, s, records);
  }

  // The old chain stays as a read-only archive with its original hashes; the new chain starts here.
  yield* tx.audit.archive(
    realm.id,
    doc.source.realmId,
    doc.audit.map((e) => ({ ...e, details: e.details === null || e.details === undefined ? null : canonicalJson(e.details) })),
  );
  counts.audit = doc.audit.length;
  yield* appendAudit(tx, ctx.clock, {
    realmId: realm.id,
    actor: ctx.principal,
    action: 'realm_imported',
    entityType: 'realm',
    entityId: realm.id,
    details: { sourceRealmId: doc.source.realmId, sourceHeadHash: doc.source.auditHeadHash, sourceEntryCount: doc.source.auditEntryCount, counts },
  });
  tx.announce({ topic: 'realm.lifecycle', realmId: realm.id, payload: { event: 'created', realmId: realm.id } });
  const result = { realm, dryRun: false, counts, warnings, sourceRealmId: doc.source.realmId, sourceHeadHash: doc.source.auditHeadHash };
  if (input.dryRun) throw new DryRun({ ...result, realm: null, dryRun: true });
  return result;
}

/** Imports an export document as a new realm: every generated id remapped, agent ids kept, one transaction. */
export async function importRealm(ctx: DomainContext, input: ImportRealm): Promise<ImportResult> {
  try {
    return await ctx.store.write((tx) => importInto(tx, ctx, input));
  } catch (error) {
    if (error instanceof DryRun) return error.result;
    throw error;
  }
}
