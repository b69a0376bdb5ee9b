import type { ChainLink } from '../store.js';
import { GENESIS_HASH } from './hash-input.js';
import { sha256Hex } from './sha256.js';

export interface VerifyResult {
  valid: boolean;
  entryCount: number;
  headHash: string | null;
  firstInvalidSeq: number | null;
  reason: string | null;
}

/**
 * One stretch of a chain checked on its own (a store may check several at once, see Store.checkChain): what
 * chainVerifier found in it, with its first entry's prevHash left unchecked, and that first entry's seq and
 * prevHash, which joinStretches checks against the stretch before.
 */
export interface ChainStretch {
  result: VerifyResult;
  first: { seq: number; prevHash: string } | null;
}

const seqReason = (found: number, expected: number) => `seq ${found} found where ${expected} was expected`;
const PREV_REASON = 'prevHash does not match the previous entry\'s hash';

/**
 * Walks a realm's links in seq order and reports the first one that breaks the chain. Feed them in order;
 * it keeps only the previous entry. `fromSeq` > 1 starts from that entry's own prevHash.
 */
export function chainVerifier(fromSeq = 1) {
  let expectedSeq = fromSeq;
  let prevHash: string | null = fromSeq === 1 ? GENESIS_HASH : null;
  let count = 0;
  let headHash: string | null = null;
  let first: ChainStretch['first'] = null;
  let failure: { seq: number; reason: string } | null = null;

  // The realm is not checked here: the store reads one realm's links only (its hash input names the realm).
  const check = (e: ChainLink): string | null => {
    if (e.seq !== expectedSeq) return seqReason(e.seq, expectedSeq);
    if (prevHash !== null && e.prevHash !== prevHash) return PREV_REASON;
    if (sha256Hex(e.input) !== e.hash) return 'hash does not match the entry\'s content';
    return null;
  };

  const result = (): VerifyResult => ({
    valid: failure === null,
    entryCount: count,
    headHash,
    firstInvalidSeq: failure?.seq ?? null,
    reason: failure?.reason ?? null,
  });

  return {
    /** Returns false once a broken entry was found (stop feeding). */
    feed(link: ChainLink): boolean {
      if (failure) return false;
      first ??= { seq: link.seq, prevHash: link.prevHash };
      const reason = check(link);
      if (reason) {
        failure = { seq: link.seq, reason };
        return false;
      }
      count++;
      expectedSeq = link.seq + 1;
      prevHash = link.hash;
      headHash = link.hash;
      return true;
    },
    result,
    stretch: (): ChainStretch => ({ result: result(), first }),
  };
}

/**
 * The verdict on a chain checked in consecutive stretches (the first starting at `fromSeq`, each checked by
 * chainVerifier from its own first seq): the same answer one chainVerifier fed every link in order gives,
 * because each stretch's first entry is checked here as that verifier would have checked it (its seq follows
 * the entries before it, its prevHash is their last hash) before the stretch's own verdict counts.
 */
export function joinStretches(fromSeq: number, stretches: ChainStretch[]): VerifyResult {
  let expectedSeq = fromSeq;
  let tail: string | null = fromSeq === 1 ? GENESIS_HASH : null;
  let count = 0;
  let headHash: string | null = null;
  const broken = (seq: number, reason: string): VerifyResult => ({ valid: false, entryCount: count, headHash, firstInvalidSeq: seq, reason });
  for (const { first, result } of stretches) {
    // An empty stretch: the chain ended before it (a later stretch with entries is a gap, caught below).
    if (!first) continue;
    if (first.seq !== expectedSeq) return broken(first.seq, seqReason(first.seq, expectedSeq));
    if (tail !== null && first.prevHash !== tail) return broken(first.seq, PREV_REASON);
    if (!result.valid) return { ...result, entryCount: count + result.entryCount, headHash: result.entryCount > 0 ? result.headHash : headHash };
    count += result.entryCount;
    headHash = tail = result.headHash;
    expectedSeq = first.seq + result.entryCount;
  }
  return { valid: true, entryCount: count, headHash, firstInvalidSeq: null, reason: null };
}
