import type { DomainContext } from '../context.js';
import { requireRealm } from '../realm/guards.js';
import { chainVerifier, type VerifyResult } from './chain.js';

// Verify works for this long, then gives the event loop back so that other sessions get a turn: a wait they
// hardly notice, and long enough (thousands of entries) that the read each slice opens costs nothing.
const SLICE_MS = 15;
// Entries between looks at the clock (performance.now() costs about as much as building an entry's text).
const CLOCK_EVERY = 64;
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export interface VerifyInput {
  realmId: string;
  fromSeq?: number;
  toSeq?: number;
  /** A (seq, hash) recorded earlier: the chain must still reach it and carry that hash there. */
  anchor?: { seq: number; hash: string };
}

/**
 * An anchor pins every entry up to its seq (each hash covers the one before): a chain rewritten together with
 * its head row still verifies on its own, but no longer has the anchored hash; a chain cut below the anchor
 * no longer reaches it.
 */
async function anchorProblem(ctx: DomainContext, realmId: string, anchor: { seq: number; hash: string }): Promise<VerifyResult | null> {
  const [row] = await ctx.store.read((tx) => tx.audit.range(realmId, anchor.seq, 1));
  if (!row || row.seq !== anchor.seq) {
    const head = await ctx.store.read((tx) => tx.audit.head(realmId));
    const last = head?.seq ?? 0;
    return { valid: false, entryCount: last, headHash: head?.hash ?? null, firstInvalidSeq: last + 1, reason: `the chain ends at seq ${last}, below the anchor at seq ${anchor.seq}: it was truncated` };
  }
  if (row.hash !== anchor.hash) {
    return { valid: false, entryCount: 0, headHash: null, firstInvalidSeq: anchor.seq, reason: `the entry at seq ${anchor.seq} is not the anchored one (hash ${row.hash.slice(0, 12)}..., anchored ${anchor.hash.slice(0, 12)}...): the chain was rewritten` };
  }
  return null;
}

/**
 * Walks the realm's chain by seq and reports the first entry that does not match. It reads in slices of about
 * SLICE_MS, each its own short read, and gives the event loop back between slices, so a long chain does not
 * stall other sessions. Each entry's hash input comes from the store (AuditRepo.links builds it in SQL), is
 * never parsed and never held. A full walk also checks the head row, so entries cut off the end are noticed
 * too.
 */
export async function verifyChain(ctx: DomainContext, input: VerifyInput): Promise<VerifyResult> {
  const fromSeq = input.fromSeq ?? 1;
  const toSeq = input.toSeq ?? Number.MAX_SAFE_INTEGER;
  const verifier = chainVerifier(fromSeq);
  const head = await ctx.store.read(function* (tx) {
    yield* requireRealm(tx, input.realmId);
    return yield* tx.audit.head(input.realmId);
  });
  for (let next = fromSeq; next <= toSeq; ) {
    const deadline = performance.now() + SLICE_MS;
    let seen = 0;
    let lastSeq = next - 1;
    let stop: 'broken' | 'time' | null = null;
    await ctx.store.read((tx) =>
      tx.audit.links(input.realmId, next, toSeq - next + 1, (row) => {
        if (!verifier.feed(row)) stop = 'broken';
        else if (++seen % CLOCK_EVERY === 0 && performance.now() > deadline) stop = 'time';
        lastSeq = row.seq;
        return stop === null;
      }),
    );
    if (stop === 'broken') return verifier.result();
    if (stop === null) break;
    next = lastSeq + 1;
    await yieldToEventLoop();
  }
  const result = verifier.result();
  if (input.anchor) {
    const problem = await anchorProblem(ctx, input.realmId, input.anchor);
    if (problem) return { ...problem, entryCount: problem.entryCount || result.entryCount, headHash: problem.headHash ?? result.headHash };
  }
  const walkedToHead = input.toSeq === undefined || input.toSeq >= (head?.seq ?? 0);
  if (walkedToHead && head && result.headHash !== head.hash) {
    const lastSeq = fromSeq + result.entryCount - 1;
    return { ...result, valid: false, firstInvalidSeq: lastSeq + 1, reason: `the chain ends at seq ${lastSeq} but its head is seq ${head.seq}` };
  }
  return result;
}
