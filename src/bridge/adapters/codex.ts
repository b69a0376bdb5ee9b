// Codex: codex exec --json --skip-git-repo-check -s SANDBOX [-m M] [runtime args] [resume SESSION] -, prompt on
// stdin (flags must come before `resume`). Usage is the thread's cumulative total, so a resumed run's own
// usage is the difference from the snapshot kept last time. There is no cost: the tokens are priced.
import type { PermissionLevel } from '../../domain/bridge/model.js';
import type { Usage } from '../types.js';
import type { CliSpec } from './cli.js';
import { argsModel, codexHome, configModel, rolloutModel } from './codex-model.js';
import { num, obj, str, stripAnsi } from './common.js';

const unknownSessionText = /no rollout found|thread \S+ not found|no conversation with id|missing rollout path|state db missing rollout path/i;

/** Codex's sandbox per level. exec mode never asks for approval, so the sandbox is the whole story. */
export const codexSandboxes: Record<PermissionLevel, string> = { read_only: 'read-only', edit: 'workspace-write', full: 'danger-full-access' };

const minus = (now: Usage, before: Usage | null): Usage =>
  before
    ? {
        inputTokens: Math.max(0, now.inputTokens - before.inputTokens),
        outputTokens: Math.max(0, now.outputTokens - before.outputTokens),
        cachedInputTokens: Math.max(0, now.cachedInputTokens - before.cachedInputTokens),
      }
    : now;

export const codex: CliSpec = {
  args: (r) => [
    // Codex refuses to start outside a git repository without --skip-git-repo-check.
    'exec', '--json', '--skip-git-repo-check',
    '-s', codexSandboxes[r.runtime.permissions ?? 'edit'],
    ...(r.model ? ['-m', r.model] : []),
    ...r.runtime.args,
    ...(r.sessionId ? ['resume', r.sessionId] : []),
    '-',
  ],
  provider: () => 'openai',
  parser(request) {
    let threadId: string | null = null;
    let lastMessage: string | null = null;
    let completed: Record<string, unknown> | null = null;
    let failure: string | null = null;
    let lastError: string | null = null;
    let lastWords: string | null = null;
    return {
      line(e) {
        if (e.type === 'thread.started') threadId = str(e.thread_id);
        const item = obj(e.item);
        const isMessage = item.type === 'agent_message' || item.item_type === 'assistant_message';
        if (e.type === 'item.completed' && isMessage) lastMessage = str(item.text) ?? lastMessage;
        if (e.type === 'turn.completed') completed = e;
        if (e.type === 'turn.failed') failure = str(obj(e.error).message) ?? 'turn failed';
        // Reconnecting notices are transient; only turn.failed (or no turn.completed) is a failure.
        if (e.type === 'error' && typeof e.message === 'string') {
          if (!e.message.startsWith('Reconnecting')) lastError = e.message;
          lastWords = e.message;
        }
        if (e.type === 'item.started' && item.type === 'command_execution') lastWords = `running ${str(item.command) ?? 'a command'}`;
        if (e.type === 'item.completed' && isMessage && typeof item.text === 'string') lastWords = `said "${item.text.slice(0, 300)}"`;
      },
      lastWords: () => lastWords,
      async finish(proc) {
        const c = completed as Record<string, unknown> | null;
        const u = obj(c?.usage);
        // input_tokens includes the cached part.
        const snapshot: Usage | null = c?.usage
          ? { inputTokens: num(u.input_tokens) - num(u.cached_input_tokens), outputTokens: num(u.output_tokens), cachedInputTokens: num(u.cached_input_tokens) }
          : null;
        const resumedSame = request.sessionId !== null && threadId === request.sessionId;
        const home = codexHome(request.env);
        const model =
          (home && threadId ? await rolloutModel(home, threadId) : null) ?? request.model ?? argsModel(request.runtime.args) ?? (home ? configModel(home) : null);
        return {
          succeeded: c !== null && failure === null,
          output: lastMessage,
          error: failure ?? lastError,
          sessionId: c ? threadId : null,
          usage: snapshot ? minus(snapshot, resumedSame ? request.previousUsage : null) : null,
          usageSnapshot: snapshot,
          costUsd: null,
          model,
          unknownSession: threadId === null && unknownSessionText.test(stripAnsi(proc.stderr)),
        };
      },
    };
  },
};
