import { publicEntry } from '../audit/chain.js';
import { isoNow } from '../clock.js';
import type { DomainContext } from '../context.js';
import type { Step, Tx } from '../store.js';
import { requireRealm } from './guards.js';
import { isReferenceOnly } from '../bridge/env-references.js';
import type { Runtime } from '../bridge/model.js';
import { maskedFor } from '../bridge/runtime-view.js';
import { scrub } from '../secrets.js';
import { EXPORT_FORMAT, EXPORT_VERSION, sections, type RealmExport } from './transfer-model.js';

const AUDIT_PAGE = 1000;

export interface ExportInput {
  id: string;
  scrubSecrets: boolean;
  includeAudit: boolean;
}

function* auditOf(tx: Tx, realmId: string, scrubSecrets: boolean): Step<{ entries: RealmExport['audit']; redacted: number }> {
  const entries: RealmExport['audit'] = [];
  let redacted = 0;
  for (let from = 1; ; ) {
    const page = yield* tx.audit.range(realmId, from, AUDIT_PAGE);
    for (const stored of page) {
      const entry = publicEntry(stored);
      const cleaned = scrubSecrets ? scrub(entry.details) : { value: entry.details, redacted: 0 };
      redacted += cleaned.redacted;
      entries.push({ ...entry, details: cleaned.value, redacted: cleaned.redacted > 0 });
    }
    if (page.length < AUDIT_PAGE) return { entries, redacted };
    from = page[page.length - 1]!.seq + 1;
  }
}

/** The realm and everything in it as one document, from one consistent snapshot. */
export function exportRealm(ctx: DomainContext, input: ExportInput): Promise<RealmExport> {
  return ctx.store.read(function* (tx) {
    const realm = yield* requireRealm(tx, input.id);
    const stored = tx.realmData.sections();
    const data: Record<string, unknown> = { realm };
    for (const s of sections) data[s] = stored.includes(s) ? yield* tx.realmData.dump(realm.id, s) : [];
    // Runtimes as the exporter sees them (an operator: names and references only), then everything is scrubbed
    // by the key and shape rules. References to the server's environment (`${env:NAME}`) hold no secret.
    let runtimeSecrets = 0;
    if (input.scrubSecrets) {
      const masked = maskedFor(ctx.principal);
      data.runtimes = (data.runtimes as Runtime[]).map((r) => {
        const { value, count } = masked(r);
        runtimeSecrets += count;
        return value;
      });
    }
    const cleaned = input.scrubSecrets ? scrub(data, isReferenceOnly) : { value: data, redacted: 0 };
    const audit = input.includeAudit ? yield* auditOf(tx, realm.id, input.scrubSecrets) : { entries: [], redacted: 0 };
    const head = yield* tx.audit.head(realm.id);
    return {
      format: EXPORT_FORMAT,
      version: EXPORT_VERSION,
      exportedAt: isoNow(ctx.clock),
      source: { realmId: realm.id, auditHeadHash: head?.hash ?? null, auditEntryCount: head?.seq ?? 0 },
      scrubbed: input.scrubSecrets,
      redactedCount: runtimeSecrets + cleaned.redacted + audit.redacted,
      ...(cleaned.value as Omit<RealmExport, 'format' | 'version' | 'exportedAt' | 'source' | 'scrubbed' | 'redactedCount' | 'audit'>),
      audit: audit.entries,
    };
  });
}
