import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { adapters } from '../../src/bridge/adapters/index.js';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RuntimeKind } from '../../src/domain/bridge/model.js';
import { alive, calls, hangPids, hanging, request, runtime, stateDir } from '../helpers/fakes.js';

const isRoot = process.getuid?.() === 0;
const leftBehind = (state: string): { pid: number; how: string } => JSON.parse(readFileSync(join(state, 'left-behind.json'), 'utf8'));
const withEnv = (kind: RuntimeKind, state: string, env: Record<string, string>, extra: Parameters<typeof request>[2] = {}) => {
  const r = request(kind, state, extra);
  return { ...r, env: { ...r.env, ...env } };
};


describe('claude_code', () => {
  it('runs claude -p --output-format stream-json --verbose at the runtime\'s permission mode, prompt and context on stdin, and parses the result', async () => {
    const state = stateDir();
    const out = await adapters.claude_code.execute(request('claude_code', state, { model: 'sonnet' }));
    const [call] = calls(state);
    expect(call!.argv).toEqual(['-p', '--output-format', 'stream-json', '--verbose', '--permission-mode', 'acceptEdits', '--model', 'sonnet']);
    expect(call!.stdin).toContain('Do the thing');
    expect(call!.stdin).toContain('"mode":"thin"');
    expect(out).toMatchObject({
      status: 'completed', exitCode: 0, signal: null, output: 'Done: Do the thing', provider: 'anthropic', model: 'sonnet',
      usage: { inputTokens: 117, outputTokens: 245, cachedInputTokens: 3000 }, costUsd: 0.0425, unknownSession: false, error: null, permissionDenials: [],
    });
    expect(out.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    const resumed = await adapters.claude_code.execute(request('claude_code', state, { sessionId: out.sessionId, runtime: { permissions: 'read_only' } }));
    expect(calls(state)[1]!.argv).toEqual(['-p', '--output-format', 'stream-json', '--verbose', '--permission-mode', 'default', '--resume', out.sessionId]);
    expect(resumed).toMatchObject({ status: 'completed', sessionId: out.sessionId, model: 'claude-opus-5-5[1m]' });
  });

  it('honours the permission level, and reports the tool calls it denied, without secrets', async () => {
    for (const [level, writes] of [['read_only', false], ['edit', true]] as const) {
      const state = stateDir();
      const file = join(state, 'out.txt');
      const out = await adapters.claude_code.execute(withEnv('claude_code', state, { FAKE_SCENARIO: 'write', FAKE_WRITE_PATH: file }, { runtime: { permissions: level } }));
      expect(out.status).toBe('completed');
      expect(existsSync(file)).toBe(writes);
      if (writes) expect(out.permissionDenials).toEqual([]);
      else expect(out.permissionDenials).toEqual([{ tool: 'Write', input: { file_path: file, content: 'written by the fake', api_key: '[REDACTED]' } }]);
    }
  });

  it('refuses full permissions as root unless IS_SANDBOX=1 says the machine is a sandbox (checked at register time)', () => {
    const full = runtime('claude_code', { permissions: 'full' });
    const refusal = adapters.claude_code.refusal!(full, {});
    if (isRoot) expect(refusal).toMatchObject({ field: 'permissions', message: expect.stringContaining('refuses full permissions') });
    else expect(refusal).toBeNull();
    expect(adapters.claude_code.refusal!(full, { IS_SANDBOX: '1' })).toBeNull();
    expect(adapters.claude_code.refusal!(runtime('claude_code', { permissions: 'edit' }), {})).toBeNull();
  });

  it('puts the runtime\'s args before the variadic flags, so a positional is not swallowed by --allowedTools', async () => {
    const state = stateDir();
    const controlPlane = { command: '/usr/bin/node', args: ['/srv/cli.js'], agentTools: ['mission_checkout'] };
    await adapters.claude_code.execute(request('claude_code', state, { runtime: { connectControlPlane: true, args: ['--max-turns', '5'] }, controlPlane }));
    const argv = calls(state)[0]!.argv;
    expect(argv.indexOf('--max-turns')).toBeLessThan(argv.indexOf('--mcp-config'));
    expect(argv.at(-2)).toBe('--allowedTools');
  });

  it('judges failure by is_error, not subtype, and keeps no session id from a failed run', async () => {
    const out = await adapters.claude_code.execute(request('claude_code', stateDir(), { scenario: 'fail' }));
    expect(out).toMatchObject({ status: 'failed', exitCode: 1, error: "You've hit your limit · resets 3pm (UTC)", sessionId: null, unknownSession: false });
  });

  it('says so when the session to resume is unknown', async () => {
    const out = await adapters.claude_code.execute(request('claude_code', stateDir(), { sessionId: '11111111-2222-4333-8444-555555555555' }));
    expect(out).toMatchObject({ status: 'failed', unknownSession: true, sessionId: null });
    expect(out.error).toContain('No conversation found');
  });

  it('says what it was doing when it timed out: retrying an unreachable API', async () => {
    const out = await adapters.claude_code.execute(request('claude_code', stateDir(), { scenario: 'retry', timeoutMs: 2000 }));
    expect(out.status).toBe('timed_out');
    expect(out.error).toBe('timed out after 2 s; last from the CLI: API retry 3/10 (unknown, no response)');
  });

  it('gives the agent this server over MCP as that agent, allowing exactly the agent tools, when connectControlPlane is set', async () => {
    const state = stateDir();
    const controlPlane = { command: '/usr/bin/node', args: ['/srv/cli.js', '--db', '/data/cp.db'], agentTools: ['mission_checkout', 'mission_comment'] };
    await adapters.claude_code.execute(request('claude_code', state, { runtime: { connectControlPlane: true }, controlPlane }));
    const argv = calls(state)[0]!.argv;
    const config = JSON.parse(argv[argv.indexOf('--mcp-config') + 1]!);
    expect(config).toEqual({
      mcpServers: { 'control-plane': { type: 'stdio', command: '/usr/bin/node', args: ['/srv/cli.js', '--db', '/data/cp.db', '--role', 'agent', '--realm', 'realm-test', '--agent', 'agent-a'] } },
    });
    expect(argv).toContain('--strict-mcp-config');
    expect(argv[argv.indexOf('--allowedTools') + 1]).toBe('mcp__control-plane__mission_checkout,mcp__control-plane__mission_comment');
  });
});

describe('codex', () => {
  it('runs codex exec --json --skip-git-repo-check -s SANDBOX [-m M] [resume ID] - outside a git repository, and turns cumulative usage into per-run usage', async () => {
    const state = stateDir();
    const outside = { workDir: state };
    const first = await adapters.codex.execute(request('codex', state, { model: 'gpt-5', runtime: outside }));
    expect(calls(state)[0]!.argv).toEqual(['exec', '--json', '--skip-git-repo-check', '-s', 'workspace-write', '-m', 'gpt-5', '-']);
    expect(first).toMatchObject({ status: 'completed', output: 'Done.', provider: 'openai', model: 'gpt-5', costUsd: null, usage: { inputTokens: 600, cachedInputTokens: 400, outputTokens: 100 } });
    const second = await adapters.codex.execute(request('codex', state, { sessionId: first.sessionId, previousUsage: first.usageSnapshot, runtime: { ...outside, permissions: 'read_only' } }));
    expect(calls(state)[1]!.argv).toEqual(['exec', '--json', '--skip-git-repo-check', '-s', 'read-only', 'resume', first.sessionId, '-']);
    expect(second.usageSnapshot).toEqual({ inputTokens: 1200, cachedInputTokens: 800, outputTokens: 200 });
    expect(second.usage).toEqual({ inputTokens: 600, cachedInputTokens: 400, outputTokens: 100 });
    await adapters.codex.execute(request('codex', state, { runtime: { ...outside, permissions: 'full' } }));
    expect(calls(state)[2]!.argv).toContain('danger-full-access');
  });

  it('records the model Codex really used, from its rollout file, since the stream never names it', async () => {
    const state = stateDir();
    const out = await adapters.codex.execute(request('codex', state, { runtime: { workDir: state } }));
    expect(out).toMatchObject({ status: 'completed', model: 'gpt-6.1-sol' });
  });

  it('fails on turn.failed, and spots an unknown thread from stderr', async () => {
    const failed = await adapters.codex.execute(request('codex', stateDir(), { scenario: 'fail' }));
    expect(failed).toMatchObject({ status: 'failed', sessionId: null });
    expect(failed.error).toContain("You've hit your usage limit");
    const unknown = await adapters.codex.execute(request('codex', stateDir(), { sessionId: '019a0000-0000-7000-8000-000000000000' }));
    expect(unknown).toMatchObject({ status: 'failed', unknownSession: true });
    expect(unknown.error).toContain('no rollout found');
  });

  it('says it was reconnecting when it timed out', async () => {
    const out = await adapters.codex.execute(request('codex', stateDir(), { scenario: 'offline', timeoutMs: 2000 }));
    expect(out).toMatchObject({ status: 'timed_out' });
    expect(out.error).toMatch(/^timed out after 2 s; last from the CLI: Reconnecting\.\.\. 5\/5 \(error sending request/);
  });
});

describe('cursor', () => {
  it('runs cursor-agent -p --output-format stream-json --trust, with --force to edit, and parses its camelCase usage', async () => {
    const state = stateDir();
    const out = await adapters.cursor.execute(request('cursor', state, { model: 'sonnet-4.5' }));
    expect(calls(state)[0]!.argv).toEqual(['-p', '--output-format', 'stream-json', '--trust', '--force', '--model', 'sonnet-4.5']);
    expect(out).toMatchObject({ status: 'completed', output: 'First, done.', costUsd: null, provider: 'cursor', model: 'sonnet-4.5', usage: { inputTokens: 12815, outputTokens: 178, cachedInputTokens: 19968 } });
    await adapters.cursor.execute(request('cursor', state, { runtime: { permissions: 'read_only' } }));
    expect(calls(state)[1]!.argv).not.toContain('--force');
    // Without a model asked for, the display name Cursor reports is what there is.
    expect((await adapters.cursor.execute(request('cursor', state))).model).toBe('Claude 4.5 Sonnet');
  });

  it('reads failures from stderr alone', async () => {
    const out = await adapters.cursor.execute(request('cursor', stateDir(), { scenario: 'auth' }));
    expect(out).toMatchObject({ status: 'failed', exitCode: 1 });
    expect(out.error).toContain('Authentication required');
    const unknown = await adapters.cursor.execute(request('cursor', stateDir(), { scenario: 'chat-not-found', sessionId: 'e06fc62e-72a6-4020-9144-01155dbba6db' }));
    expect(unknown).toMatchObject({ status: 'failed', unknownSession: true });
  });

  it('reports a resume that came back as another chat as an unknown session, stopping it before it does the work', async () => {
    const state = stateDir();
    const out = await adapters.cursor.execute(request('cursor', state, { sessionId: 'e06fc62e-72a6-4020-9144-01155dbba6db' }));
    expect(out).toMatchObject({ status: 'failed', unknownSession: true, sessionId: null });
    expect(out.error).toMatch(/started a new chat \(.+\) instead of resuming e06fc62e/);
  });
});

describe('opencode', () => {
  it('runs opencode run --format json --print-logs, sums tokens and cost over step_finish events, and passes its permissions as configuration', async () => {
    const state = stateDir();
    const config = JSON.stringify({ model: 'fake/m', permission: { bash: 'allow' } });
    const out = await adapters.opencode.execute(withEnv('opencode', state, { OPENCODE_CONFIG_CONTENT: config }, { model: 'anthropic/claude-sonnet-4-5' }));
    const [call] = calls(state);
    expect(call!.argv).toEqual(['run', '--format', 'json', '--print-logs', '--log-level', 'WARN', '-m', 'anthropic/claude-sonnet-4-5']);
    // The runtime's own configuration is kept; the permission level replaces its permission key.
    expect(JSON.parse(call!.env.OPENCODE_CONFIG_CONTENT!)).toEqual({ model: 'fake/m', permission: { edit: 'allow', bash: 'deny' } });
    expect(out).toMatchObject({ status: 'completed', output: 'The repo has README.md and src/.', provider: 'anthropic', usage: { inputTokens: 846, outputTokens: 116, cachedInputTokens: 15872 } });
    expect(out.costUsd).toBeCloseTo(0.0043, 10);
    expect(out.sessionId).toMatch(/^ses_/);
    await adapters.opencode.execute(request('opencode', state, { runtime: { permissions: 'full' } }));
    expect(JSON.parse(calls(state)[1]!.env.OPENCODE_CONFIG_CONTENT!)).toEqual({ permission: { '*': 'allow' } });
    // The stream never names the model: without one asked for, the configuration's is recorded.
    expect(await adapters.opencode.execute(withEnv('opencode', state, { OPENCODE_CONFIG_CONTENT: config }))).toMatchObject({ model: 'fake/m', provider: 'fake' });
  });

  it('fails on an error event, naming the cause it logged, and spots an unknown session through ANSI styling', async () => {
    expect(await adapters.opencode.execute(request('opencode', stateDir(), { scenario: 'fail' }))).toMatchObject({ status: 'failed', error: 'ProviderAuthError: Invalid API key' });
    expect(await adapters.opencode.execute(request('opencode', stateDir(), { scenario: 'unknown' }))).toMatchObject({ status: 'failed', error: 'UnknownError: Unexpected server error (AI_APICallError: Not Found)' });
    expect(await adapters.opencode.execute(request('opencode', stateDir(), { sessionId: 'ses_missing' }))).toMatchObject({ status: 'failed', unknownSession: true, error: 'Error: Session not found' });
  });

  it('says what it logged when it timed out, not its log noise', async () => {
    const out = await adapters.opencode.execute(request('opencode', stateDir(), { scenario: 'offline', timeoutMs: 2000 }));
    expect(out).toMatchObject({ status: 'timed_out', error: 'timed out after 2 s; last from the CLI: AI_APICallError: Cannot connect to API: Unable to connect. Is the computer able to access the url?' });
  });

  it('fails without running when the runtime\'s OPENCODE_CONFIG_CONTENT is not JSON', async () => {
    const state = stateDir();
    const out = await adapters.opencode.execute(withEnv('opencode', state, { OPENCODE_CONFIG_CONTENT: '{nope' }));
    expect(out).toMatchObject({ status: 'failed' });
    expect(out.error).toMatch(/^runtime unreachable: OPENCODE_CONFIG_CONTENT is not valid JSON/);
    expect(calls(state)).toEqual([]);
  });
});

describe('process', () => {
  it('passes args and the context as one final argument, literally (no shell), and the prompt on stdin', async () => {
    const state = stateDir();
    const tricky = ['$(touch /tmp/pwned)', '; echo hi', '`id`', 'a b', '*'];
    const out = await adapters.process.execute(request('process', state, { runtime: { args: tricky } }));
    expect(out.status).toBe('completed');
    const printed = JSON.parse(out.output!);
    expect(printed).toMatchObject({ args: tricky, stdin: 'Do the thing', contextFile: null });
    expect(calls(state)[0]!.argv.at(-1)).toBe(JSON.stringify({ realmId: 'realm-test', agentId: 'agent-a', mode: 'thin' }));
  });

  it('hands a context over 100 KiB as a 0600 temp file, named in CONTROL_PLANE_CONTEXT_FILE', async () => {
    const big = { blob: 'y'.repeat(150 * 1024) };
    const state = stateDir();
    const out = await adapters.process.execute(request('process', state, { context: big }));
    const printed = JSON.parse(out.output!);
    expect(printed.contextFile).toMatch(/context\.json$/);
    expect(printed.contextFileMode).toBe('600');
    expect(calls(state)[0]!.argv.at(-1)).toBe(printed.contextFile);
    expect(printed.contextBytes).toBe(JSON.stringify(big).length);
  });

  it('stores the real exit code and signal, with the tail of stderr as the error', async () => {
    expect(await adapters.process.execute(request('process', stateDir(), { scenario: 'fail' }))).toMatchObject({ status: 'failed', exitCode: 3, signal: null, error: 'something broke\nsomething broke\nsomething broke' });
    expect(await adapters.process.execute(request('process', stateDir(), { scenario: 'signal' }))).toMatchObject({ status: 'failed', exitCode: null, signal: 'SIGKILL' });
    const missing = await adapters.process.execute(request('process', stateDir(), { runtime: { command: '/nonexistent/agent', args: ['--db-password', 'hunter2arg'] } }));
    expect(missing.status).toBe('failed');
    expect(missing.error).toMatch(/ENOENT|not found|nonexistent/);
    // The error is stored with the run and shown to the realm: it names the command, never its arguments.
    expect(missing.error).not.toContain('hunter2arg');
  });

  it('streams output to the caller as it arrives', async () => {
    const chunks: string[] = [];
    await adapters.process.execute(request('process', stateDir(), { scenario: 'fail', onOutput: (stream, text) => void chunks.push(`${stream}:${text}`) }));
    expect(chunks.join('')).toContain('stderr:something broke');
    const lines: string[] = [];
    await adapters.claude_code.execute(request('claude_code', stateDir(), { onOutput: (stream, text) => void (stream === 'stdout' && lines.push(text)) }));
    expect(lines.join('')).toContain('"type":"result"');
  });

  it('keeps at most 1 MiB of output and says it was cut', async () => {
    const out = await adapters.process.execute(request('process', stateDir(), { scenario: 'loud' }));
    expect(out.output!.length).toBe(1024 * 1024);
    expect(out.outputTruncated).toBe(true);
  });
});

describe('every process of a run is gone when it ends, however it ends', () => {
  for (const kind of ['process', 'claude_code', 'codex', 'cursor', 'opencode'] as const) {
    it(`${kind}: a child left running in the group after a normal exit is stopped`, async () => {
      const state = stateDir();
      const out = await adapters[kind].execute(withEnv(kind, state, { FAKE_LEAVE: 'background' }, { runtime: { workDir: state } }));
      expect(out.status).toBe('completed');
      expect(out.leftovers).toBeGreaterThanOrEqual(1);
      expect(alive(leftBehind(state).pid)).toBe(false);
    });
  }

  it('a child that escaped the group with setsid and holds stdout open is found by its marker and stopped', async () => {
    const state = stateDir();
    const started = Date.now();
    const out = await adapters.process.execute(withEnv('process', state, { FAKE_LEAVE: 'escape' }));
    expect(out.status).toBe('completed');
    expect(alive(leftBehind(state).pid)).toBe(false);
    // Not the escapee's 300 s: the run ends as its command does, plus the sweep.
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('a timeout holds even when a descendant escaped the group and holds the pipes', async () => {
    const state = stateDir();
    const out = await adapters.process.execute(withEnv('process', state, { FAKE_SCENARIO: 'hang', FAKE_LEAVE: 'escape' }, { timeoutMs: 1500 }));
    expect(out.status).toBe('timed_out');
    expect(out.error).toBe('timed out after 2 s');
    expect(alive(leftBehind(state).pid)).toBe(false);
    expect(alive(hangPids(state).parent)).toBe(false);
  });
});

describe('timeouts and cancels stop the whole process tree', () => {
  for (const kind of ['process', 'claude_code', 'codex', 'cursor', 'opencode'] as const) {
    it(`${kind}: a timeout leaves no process alive`, async () => {
      const state = stateDir();
      // Long enough for a loaded machine to start node and the grandchild before the timeout hits.
      const out = await adapters[kind].execute(request(kind, state, { scenario: 'hang', timeoutMs: 2000 }));
      expect(out.status).toBe('timed_out');
      const { parent, grandchild } = hangPids(state);
      expect(alive(parent)).toBe(false);
      expect(alive(grandchild)).toBe(false);
    });
  }

  it('a cancel stops it, escalating to SIGKILL when SIGTERM is ignored', async () => {
    const state = stateDir();
    const controller = new AbortController();
    const pending = adapters.process.execute(request('process', state, { scenario: 'hang', signal: controller.signal, graceMs: 300, env: { PATH: process.env.PATH!, FAKE_STATE: state, FAKE_SCENARIO: 'hang', FAKE_IGNORE_TERM: '1' } }));
    await hanging(state);
    controller.abort();
    const out = await pending;
    expect(out).toMatchObject({ status: 'cancelled', signal: 'SIGKILL' });
    const { parent, grandchild } = hangPids(state);
    expect(alive(parent)).toBe(false);
    expect(alive(grandchild)).toBe(false);
  });
});

describe('http', () => {
  async function server(handler: (req: IncomingMessage, body: string) => { status: number; body: string; delayMs?: number }) {
    const seen: { headers: IncomingMessage['headers']; body: unknown }[] = [];
    const srv = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ headers: req.headers, body: JSON.parse(body) });
        const answer = handler(req, body);
        setTimeout(() => res.writeHead(answer.status).end(answer.body), answer.delayMs ?? 0);
      });
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}/agent`, seen, close: () => srv.close() };
  }

  it('POSTs the run as JSON with the runtime headers; 2xx completes with the body, else HTTP <status>', async () => {
    const ok = await server(() => ({ status: 200, body: 'all done' }));
    const req = request('http', stateDir(), { runtime: { url: ok.url }, headers: { authorization: 'Bearer t' } });
    const out = await adapters.http.execute(req);
    expect(out).toMatchObject({ status: 'completed', output: 'all done' });
    expect(ok.seen[0]!.headers.authorization).toBe('Bearer t');
    expect(ok.seen[0]!.body).toEqual({ runId: req.runId, agentId: 'agent-a', realmId: 'realm-test', missionId: null, context: { realmId: 'realm-test', agentId: 'agent-a', mode: 'thin' }, prompt: 'Do the thing' });
    ok.close();
    const bad = await server(() => ({ status: 503, body: 'busy' }));
    expect(await adapters.http.execute(request('http', stateDir(), { runtime: { url: bad.url } }))).toMatchObject({ status: 'failed', error: 'HTTP 503' });
    bad.close();
  });

  it('aborts on timeout', async () => {
    const slow = await server(() => ({ status: 200, body: 'late', delayMs: 2000 }));
    expect(await adapters.http.execute(request('http', stateDir(), { runtime: { url: slow.url }, timeoutMs: 200 }))).toMatchObject({ status: 'timed_out' });
    slow.close();
  });
});
