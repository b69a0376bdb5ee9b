// The contract with the real agent CLIs (npm run test:clis): Claude Code, Codex and OpenCode, at the versions
// pinned in versions.json, run offline through a real server process with bridge_invoke, a local fake model
// API standing in for the vendors'. Cursor's CLI is not in the npm registry: its adapter is tested against a
// fake only (test/bridge/adapters.test.ts).
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMarker } from '../../src/bridge/environment.js';
import { runMembers } from '../../src/bridge/process-tree.js';
import { Database } from '../../src/db/sqlite/driver.js';
import { spawnServer, tempDb } from '../helpers/processes.js';
import { startFakeModelApi, USAGE, WRITTEN } from './fake-model-api.js';
// @ts-expect-error: a plain ESM script, shared with `npm run test:clis`'s install step
import { binDir, install } from './install.mjs';

/** Nothing answers here: the API of a machine whose network is down. */
const UNREACHABLE = 'http://127.0.0.1:9';
const TIMEOUT_SECS = 12;

interface CliCase {
  kind: 'claude_code' | 'codex' | 'opencode';
  binary: string;
  /** The runtime's envVars pointing the CLI at `api`, with its state in `home`. */
  env(api: string, home: string): Record<string, string>;
  args?(api: string): string[];
  /** A session id of the CLI's own shape that it does not have. */
  unknownSession(): string;
}

const isolated = (home: string) => ({
  HOME: home,
  XDG_CONFIG_HOME: join(home, '.config'),
  XDG_DATA_HOME: join(home, '.local', 'share'),
  XDG_CACHE_HOME: join(home, '.cache'),
  XDG_STATE_HOME: join(home, '.local', 'state'),
});

const cases: CliCase[] = [
  {
    kind: 'claude_code',
    binary: 'claude',
    env: (api, home) => ({ ...isolated(home), ANTHROPIC_BASE_URL: api, ANTHROPIC_API_KEY: 'sk-ant-test-key', DISABLE_TELEMETRY: '1', CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1' }),
    unknownSession: () => randomUUID(),
  },
  {
    kind: 'codex',
    binary: 'codex',
    env: (_api, home) => {
      mkdirSync(join(home, '.codex'), { recursive: true });
      return { ...isolated(home), CODEX_HOME: join(home, '.codex') };
    },
    // A custom model provider speaking the Responses API (flags must come before `resume`, which they do).
    args: (api) => ['-c', 'model_providers.fake.name="fake"', '-c', `model_providers.fake.base_url="${api}/v1"`, '-c', 'model_providers.fake.wire_api="responses"', '-c', 'model_provider="fake"'],
    unknownSession: () => '019a0000-0000-7000-8000-000000000000',
  },
  {
    kind: 'opencode',
    binary: 'opencode',
    env: (api, home) => ({
      ...isolated(home),
      OPENCODE_CONFIG_CONTENT: JSON.stringify({
        provider: {
          fake: {
            npm: '@ai-sdk/openai-compatible',
            name: 'Fake',
            options: { baseURL: `${api}/v1`, apiKey: 'test-key' },
            models: { 'fake-model': { name: 'Fake', cost: { input: 2, output: 10, cache_read: 0.1 } } },
          },
        },
        model: 'fake/fake-model',
      }),
    }),
    unknownSession: () => 'ses_0000000000000000000000000a',
  },
];

let api: Awaited<ReturnType<typeof startFakeModelApi>>;
let server: Awaited<ReturnType<typeof spawnServer>>;
let db: string;
let realmId: string;

beforeAll(async () => {
  install();
  api = await startFakeModelApi();
  db = tempDb();
  server = await spawnServer(db);
  realmId = (await server.call('realm_create', { name: 'real clis', owner: 'o' })).id;
  await server.call('hierarchy_set', { realmId, agentId: 'agent-a' });
}, 600_000);
afterAll(async () => {
  await server?.close();
  await api?.close();
});

const leftovers = (runId: string) => runMembers({ marker: runMarker(runId) });

describe.each(cases)('$kind', (cli) => {
  const home = mkdtempSync(join(tmpdir(), `cp-${cli.binary}-home-`));
  const work = mkdtempSync(join(tmpdir(), `cp-${cli.binary}-work-`));
  const register = (extra: Record<string, unknown> = {}, apiUrl = api.url) =>
    server.call('bridge_register', {
      kind: cli.kind, name: cli.binary, realmId, command: join(binDir(), cli.binary), workDir: work,
      envVars: cli.env(apiUrl, home), args: cli.args?.(apiUrl) ?? [], ...extra,
    });
  const invoke = (runtimeId: string, prompt: string, extra: Record<string, unknown> = {}) =>
    server.call('bridge_invoke', { runtimeId, agentId: 'agent-a', context: { task: 'contract' }, prompt, wait: true, timeoutSecs: 120, ...extra });
  let runtime: { id: string };
  let first: { id: string; sessionId: string };

  it('completes a run with output, session, tokens and cost, and leaves no process behind', async () => {
    // Claude Code also gets this server as an MCP server: the child it spawns must not outlive the run.
    runtime = await register(cli.kind === 'claude_code' ? { connectControlPlane: true } : {});
    const run = await invoke(runtime.id, 'Say hello.');
    expect(run).toMatchObject({ status: 'completed', error: null });
    expect(run.output).toContain('Hello from the fake model (prompt 1)');
    expect(run.sessionId).toBeTruthy();
    expect(run.usage.inputTokens + run.usage.cachedInputTokens).toBeGreaterThanOrEqual(USAGE.input);
    expect(run.usage.outputTokens).toBeGreaterThanOrEqual(USAGE.output);
    expect(run.costCents).toBeGreaterThan(0);
    expect(run.model).toBeTruthy();
    expect(leftovers(run.id)).toEqual([]);
    if (cli.kind === 'claude_code') {
      // It did connect: the model was offered the agent's control-plane tools (by name; Claude defers their schemas).
      const offered = api.requests.filter((r) => r.api === 'anthropic').map((r) => JSON.stringify(r.body));
      expect(offered.some((body) => body.includes('mcp__control-plane__mission_checkout'))).toBe(true);
    }
    first = run;
  });

  it('resumes its session on the next run', async () => {
    const run = await invoke(runtime.id, 'Say hello again.');
    expect(run).toMatchObject({ status: 'completed', sessionId: first.sessionId });
    expect(run.output).toContain('(prompt 2)');
  });

  it('retries fresh when the CLI does not know the session', async () => {
    const bogus = cli.unknownSession();
    const sqlite = new Database(db);
    sqlite.prepare('UPDATE agent_sessions SET session_id = ? WHERE runtime_id = ?').run(bogus, runtime.id);
    sqlite.close();
    const run = await invoke(runtime.id, 'Hello once more.');
    expect(run).toMatchObject({ status: 'completed' });
    expect(run.sessionId).not.toBe(bogus);
    expect(run.output).toContain('(prompt 1)');
  });

  it('honours the permission level: read_only cannot write, edit and full can', async () => {
    const readOnly = await register({ permissions: 'read_only', name: `${cli.binary} read-only` });
    const denied = join(work, 'read-only.txt');
    const ro = await invoke(readOnly.id, `Write it. [[write ${denied}]]`);
    expect(ro.status).toBe('completed');
    expect(existsSync(denied)).toBe(false);
    if (cli.kind === 'claude_code') expect(ro.permissionDenials).toEqual([{ tool: 'Write', input: { file_path: denied, content: WRITTEN } }]);
    const allowed = join(work, 'edit.txt');
    const rw = await invoke(runtime.id, `Write it. [[write ${allowed}]]`);
    expect(rw.status).toBe('completed');
    expect(readFileSync(allowed, 'utf8')).toBe(WRITTEN);
    expect(leftovers(rw.id)).toEqual([]);
    // Claude Code allows full permissions to root only in a sandbox, which IS_SANDBOX=1 declares.
    const sandbox = cli.kind === 'claude_code' ? { IS_SANDBOX: '1' } : {};
    const full = await register({ permissions: 'full', name: `${cli.binary} full`, envVars: { ...cli.env(api.url, home), ...sandbox } });
    const anywhere = join(mkdtempSync(join(tmpdir(), 'cp-outside-')), 'full.txt');
    const all = await invoke(full.id, `Write it. [[write ${anywhere}]]`);
    expect(all.status).toBe('completed');
    expect(readFileSync(anywhere, 'utf8')).toBe(WRITTEN);
  });

  it('ends a run against an unreachable API as a timeout that says what the CLI was doing', async () => {
    const down = await register({ name: `${cli.binary} offline` }, UNREACHABLE);
    const started = Date.now();
    const run = await invoke(down.id, 'Say hello.', { timeoutSecs: TIMEOUT_SECS });
    expect(run.status).toBe('timed_out');
    expect(run.error).toMatch(new RegExp(`^timed out after ${TIMEOUT_SECS} s; last from the CLI: .+`));
    // The grace period (5 s) bounds what comes after the timeout.
    expect(Date.now() - started).toBeLessThan((TIMEOUT_SECS + 15) * 1000);
    expect(leftovers(run.id)).toEqual([]);
  });

  if (cli.kind === 'claude_code' && process.getuid?.() === 0) {
    it('refuses full permissions at registration as root, as Claude Code would at run time', async () => {
      expect(await server.fail('bridge_register', { kind: 'claude_code', name: 'yolo', realmId, permissions: 'full' })).toMatchObject({ code: 'invalid_input', details: { field: 'permissions' } });
    });
  }
});
