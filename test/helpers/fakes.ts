import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { agentCliKinds, type RuntimeKind, type Runtime } from '../../src/domain/bridge/model.js';
import { runMarker } from '../../src/bridge/environment.js';
import type { RunRequest } from '../../src/bridge/types.js';

export const fakeBin = fileURLToPath(new URL('../fixtures/bin/', import.meta.url));
export const fakeCommand: Record<RuntimeKind, string> = {
  claude_code: join(fakeBin, 'claude'),
  codex: join(fakeBin, 'codex'),
  cursor: join(fakeBin, 'cursor-agent'),
  opencode: join(fakeBin, 'opencode'),
  process: join(fakeBin, 'agent-process'),
  custom: join(fakeBin, 'agent-process'),
  http: '',
};

export const stateDir = () => mkdtempSync(join(tmpdir(), 'cp-fake-'));

/** How the fakes were started, in order. */
export const calls = (state: string): { name: string; argv: string[]; stdin: string; env: Record<string, string>; cwd: string; pid: number }[] => {
  const file = join(state, 'calls.jsonl');
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l)) : [];
};

export const hangPids = (state: string): { parent: number; grandchild: number } => JSON.parse(readFileSync(join(state, 'hang-pids.json'), 'utf8'));

/** Waits until a hanging fake has started its grandchild (and written both pids). */
export async function hanging(state: string, ms = 10_000) {
  const start = Date.now();
  while (!existsSync(join(state, 'hang-pids.json'))) {
    if (Date.now() - start > ms) throw new Error('the fake never started hanging');
    await new Promise((r) => setTimeout(r, 25));
  }
  return hangPids(state);
}

export const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    // A zombie still answers kill 0; read its state to be sure.
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

export function runtime(kind: RuntimeKind, extra: Partial<Runtime> = {}): Runtime {
  return {
    id: 'rt-test', realmId: null, kind, name: kind, command: fakeCommand[kind] || null, args: [], url: null, headers: null,
    envVars: null, inheritEnv: [], workDir: null, timeoutSecs: 30, model: null, connectControlPlane: false,
    permissions: agentCliKinds.includes(kind) ? 'edit' : null, version: 1, createdAt: '', ...extra,
  };
}

export function request(kind: RuntimeKind, state: string, extra: Omit<Partial<RunRequest>, 'runtime'> & { scenario?: string; runtime?: Partial<Runtime> } = {}): RunRequest {
  const { scenario, runtime: rt, ...rest } = extra;
  // Each request is its own run, with its own marker, so tests running side by side never sweep each other.
  const runId = `brun-test-${randomUUID()}`;
  return {
    runId, realmId: 'realm-test', agentId: 'agent-a', missionId: null, runtime: runtime(kind, rt ?? {}),
    context: { realmId: 'realm-test', agentId: 'agent-a', mode: 'thin' }, prompt: 'Do the thing', model: null, sessionId: null,
    previousUsage: null, timeoutMs: 20_000, graceMs: 500, signal: new AbortController().signal,
    env: { PATH: process.env.PATH!, HOME: state, FAKE_STATE: state, ...(scenario ? { FAKE_SCENARIO: scenario } : {}), CONTROL_PLANE_RUN_ID: runId },
    headers: {}, marker: runMarker(runId), controlPlane: null, onSpawn: () => {}, ...rest,
  };
}
