import type { DomainContext } from '../context.js';
import { requireRealm } from '../realm/guards.js';
import { chainVerifier, joinStretches, type VerifyResult } from './chain-verifier.js';

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

/** Walks the links from `fromSeq` to `toSeq` in slices of about SLICE_MS, giving the event loop back between them. */
async function walk(ctx: DomainContext, realmId: string, fromSeq: number, toSeq: number): Promise<VerifyResult> {
  const verifier = chainVerifier(fromSeq);
  for (let next = fromSeq; next <= toSeq; ) {
    const deadline = performance.now() + SLICE_MS;
    let seen = 0;
    let lastSeq = next - 1;
    let stop: 'broken' | 'time' | null = null;
    await ctx.store.read((tx) =>
      tx.audit.links(realmId, next, toSeq - next + 1, (row) => {
        if (!verifier.feed(row)) stop = 'broken';
        else if (++seen % CLOCK_EVERY === 0 && performance.now() > deadline) stop = 'time';
        lastSeq = row.seq;
        return stop === null;
      }),
    );
    if (stop !== 'time') break;
    next = lastSeq + 1;
    await yieldToEventLoop();
  }
  return verifier.result();
}

/**
 * Checks the realm's chain by seq and reports the first entry that does not match, up to the head as it was
 * when verify began: entries appended meanwhile are the next verify's (walking on into them would compare
 * the last one with the older head and call a growing chain broken). The store checks the entries where it
 * can off the event loop and in parallel (Store.checkChain); otherwise verify walks them in slices of about
 * SLICE_MS, each its own short read, giving the event loop back between slices, so a long chain does not
 * stall other sessions. Each entry's hash input comes from the store (AuditRepo.links builds it in SQL), is
 * never parsed and never held. A walk to the head also checks the head row, so entries cut off the end, or
 * written past it, are noticed too.
 */
export async function verifyChain(ctx: DomainContext, input: VerifyInput): Promise<VerifyResult> {
  const fromSeq = input.fromSeq ?? 1;
  const head = await ctx.store.read(function* (tx) {
    yield* requireRealm(tx, input.realmId);
    return yield* tx.audit.head(input.realmId);
  });
  const headSeq = head?.seq ?? 0;
  const toSeq = Math.min(input.toSeq ?? Number.MAX_SAFE_INTEGER, headSeq);
  const stretches = toSeq >= fromSeq ? await ctx.store.checkChain?.(input.realmId, fromSeq, toSeq) : null;
  const result = stretches ? joinStretches(fromSeq, stretches) : await walk(ctx, input.realmId, fromSeq, toSeq);
  if (!result.valid) return result;
  if (input.anchor) {
    const problem = await anchorProblem(ctx, input.realmId, input.anchor);
    if (problem) return { ...problem, entryCount: problem.entryCount || result.entryCount, headHash: problem.headHash ?? result.headHash };
  }
  const walkedToHead = input.toSeq === undefined || input.toSeq >= headSeq;
  const lastSeq = fromSeq + result.entryCount - 1;
  // Both: a head row moved on with the old hash must not pass either.
  if (walkedToHead && head && (result.headHash !== head.hash || lastSeq !== head.seq)) {
    return { ...result, valid: false, firstInvalidSeq: lastSeq + 1, reason: `the chain ends at seq ${lastSeq} but its head is seq ${head.seq}` };
  }
  const beyond = walkedToHead ? await entryPastHead(ctx, input.realmId) : null;
  if (beyond) return { ...result, valid: false, firstInvalidSeq: beyond.seq, reason: `seq ${beyond.seq} lies past the chain's head (seq ${beyond.headSeq}): the head row was moved back` };
  return result;
}

/** An entry past the realm's head, read with the head in one snapshot (append moves the head with each entry). */
async function entryPastHead(ctx: DomainContext, realmId: string): Promise<{ seq: number; headSeq: number } | null> {
  return ctx.store.read(function* (tx) {
    const headSeq = (yield* tx.audit.head(realmId))?.seq ?? 0;
    const [next] = yield* tx.audit.range(realmId, headSeq + 1, 1);
    return next ? { seq: next.seq, headSeq } : null;
  });
}
