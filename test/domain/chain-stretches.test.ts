// joinStretches against one chainVerifier fed every link: a chain checked in stretches (as worker processes check
// it, each stretch on its own) must get the same verdict, for every way of cutting it and every kind of damage.
import { describe, expect, it } from 'vitest';
import { chainVerifier, joinStretches } from '../../src/domain/audit/chain-verifier.js';
import { entryHash } from '../../src/domain/audit/chain.js';
import { GENESIS_HASH, hashInput } from '../../src/domain/audit/hash-input.js';
import type { StoredAuditEntry } from '../../src/domain/audit/model.js';
import type { ChainLink } from '../../src/domain/store.js';

const LENGTH = 12;

function chain(): StoredAuditEntry[] {
  const entries: StoredAuditEntry[] = [];
  for (let seq = 1; seq <= LENGTH; seq++) {
    const base = {
      id: `act-${seq}`, realmId: 'realm-1', seq, actorKind: 'agent' as const, actorId: 'agent-a', action: 'tick', entityType: 't',
      entityId: `e${seq}`, details: `{"n":${seq}}`, prevHash: entries.at(-1)?.hash ?? GENESIS_HASH, timestamp: `2026-01-01T00:00:${String(seq).padStart(2, '0')}Z`,
    };
    entries.push({ ...base, hash: entryHash(base) });
  }
  return entries;
}

const link = (e: StoredAuditEntry): ChainLink => ({ seq: e.seq, prevHash: e.prevHash, hash: e.hash, input: hashInput(e) });
const flip = (hex: string) => (hex[0] === 'a' ? 'b' : 'a') + hex.slice(1);

/** Damage done to a chain, as rows in the store would show it (sorted by seq). */
const damages: [string, (c: StoredAuditEntry[]) => StoredAuditEntry[]][] = [
  ['none', (c) => c],
  ['a changed field', (c) => c.map((e) => (e.seq === 5 ? { ...e, actorId: 'agent-b' } : e))],
  ['a changed hash', (c) => c.map((e) => (e.seq === 7 ? { ...e, hash: flip(e.hash) } : e))],
  ['a changed prevHash', (c) => c.map((e) => (e.seq === 4 ? { ...e, prevHash: flip(e.prevHash) } : e))],
  ['a missing entry', (c) => c.filter((e) => e.seq !== 6)],
  ['three missing entries', (c) => c.filter((e) => e.seq < 4 || e.seq > 6)],
  ['a missing first entry', (c) => c.filter((e) => e.seq !== 1)],
  ['a cut tail', (c) => c.filter((e) => e.seq <= 8)],
  ['an entry rehashed with the rest of the chain left as it was', (c) => {
    const changed = { ...c[8]!, action: 'forged' };
    return c.map((e) => (e.seq === 9 ? { ...changed, hash: entryHash(changed) } : e));
  }],
];

/** What a store hands a stretch from `from` of `count` entries: rows with seq >= from, at most count. */
const read = (rows: StoredAuditEntry[], from: number, count: number) => rows.filter((e) => e.seq >= from).slice(0, count).map(link);

function whole(rows: StoredAuditEntry[], from: number, to: number) {
  const verifier = chainVerifier(from);
  for (const l of read(rows, from, to - from + 1)) if (!verifier.feed(l)) break;
  return verifier.result();
}

function inStretches(rows: StoredAuditEntry[], from: number, to: number, cuts: number[]) {
  const starts = [from, ...cuts];
  const stretches = starts.map((start, i) => {
    const end = (starts[i + 1] ?? to + 1) - 1;
    const verifier = chainVerifier(start);
    for (const l of read(rows, start, end - start + 1)) if (!verifier.feed(l)) break;
    return verifier.stretch();
  });
  return joinStretches(from, stretches);
}

/** Every set of up to two cut points strictly inside from..to. */
function cutsOf(from: number, to: number): number[][] {
  const all: number[][] = [[]];
  for (let a = from + 1; a <= to; a++) {
    all.push([a]);
    for (let b = a + 1; b <= to; b++) all.push([a, b]);
  }
  return all;
}

describe('a chain checked in stretches', () => {
  for (const [name, damage] of damages) {
    it(`gets one verifier's verdict, cut anywhere (${name})`, () => {
      const rows = damage(chain());
      for (const [from, to] of [[1, LENGTH], [3, LENGTH], [2, 9], [1, LENGTH + 3]] as const) {
        const expected = whole(rows, from, to);
        for (const cuts of cutsOf(from, to)) expect(inStretches(rows, from, to, cuts), `from ${from} to ${to}, cut at ${cuts.join(', ')}`).toEqual(expected);
      }
    });
  }

  it('tells damage apart (the table above is not all one verdict)', () => {
    const verdicts = damages.map(([, damage]) => whole(damage(chain()), 1, LENGTH));
    expect(verdicts[0]).toMatchObject({ valid: true, entryCount: LENGTH });
    expect(verdicts.slice(1, -2).every((v) => !v.valid)).toBe(true);
    expect(new Set(verdicts.map((v) => `${v.firstInvalidSeq} ${v.reason}`)).size).toBeGreaterThan(5);
  });

  it('joins no stretches, or only empty ones, into an empty valid chain', () => {
    expect(joinStretches(1, [])).toEqual({ valid: true, entryCount: 0, headHash: null, firstInvalidSeq: null, reason: null });
    expect(joinStretches(5, [chainVerifier(5).stretch(), chainVerifier(9).stretch()])).toMatchObject({ valid: true, entryCount: 0 });
  });
});
