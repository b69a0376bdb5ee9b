// The official MCP conformance suite against --http, both requirement sets (scripts/conformance.mjs). The suite
// needs Node 22 or later: on Node 20 this is skipped, and CI runs it on Node 24.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../../scripts/conformance.mjs', import.meta.url));
const nodeMajor = Number(process.versions.node.split('.')[0]);

describe('the official MCP conformance suite', () => {
  it.skipIf(nodeMajor < 22)('passes every scored scenario of 2025-11-25 and 2026-07-28, with only the baseline failing', () => {
    const run = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 180_000 });
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout.match(/Baseline check passed/g)).toHaveLength(2);
  }, 200_000);
});
