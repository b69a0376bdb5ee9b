// Codex: codex exec --json [-m M] [resume SESSION] -, prompt on stdin. Usage is the thread's cumulative total,
// so a resumed run's own usage is the difference from the snapshot kept last time. There is no cost.
import type { Usage } from '../types.js';
import { num, obj, str, stripAnsi } from './common.js';
import type { CliSpec } from './cli.js';

const unknownSessionText = /no rollout found|thread \S+ not found|no conversation with id|missing rollout path|state db missing rollout path/i;

const minus = (now: Usage, before: Usage | null): Usage =>
  before
    ? {
        inputTokens: Math.max(0, now.inputTokens - before.inputTokens),
        outputTokens: Math.max(0, now.outputTokens - before.outputTokens),
        cachedInputTokens: Math.max(0, now.cachedInputTokens - before.cachedInputTokens),
      }
    : now;

export const codex: CliSpec = {
  args: (r) => ['exec', '--json', ...(r.model ? ['-m', r.model] : []), ...r.runtime.args, ...(r.sessionId ? ['resume', r.sessionId] : []), '-'],
  provider: () => 'openai',
  parser(request) {
    let threadId: string | null = null;
    let lastMessage: string | null = null;
    let completed: Record<string, unknown> | null = null;
    let failure: string | null = null;
    let lastError: string | null = null;
    return {
      line(e) {
        if (e.type === 'thread.started') threadId = str(e.thread_id);
        const item = obj(e.item);
        const isMessage = item.type === 'agent_message' || item.item_type === 'assistant_message';
        if (e.type === 'item.completed' && isMessage) lastMessage = str(item.text) ?? lastMessage;
        if (e.type === 'turn.completed') completed = e;
        if (e.type === 'turn.failed') failure = str(obj(e.error).message) ?? 'turn failed';
        // Reconnecting notices are transient; only turn.failed (or no turn.completed) is a failure.
        if (e.type === 'error' && typeof e.message === 'string' && !e.message.startsWith('Reconnecting')) lastError = e.message;
      },
      finish(proc) {
        const c = completed as Record<string, unknown> | null;
        const u = obj(c?.usage);
        // input_tokens includes the cached part.
        const snapshot: Usage | null = c?.usage
          ? { inputTokens: num(u.input_tokens) - num(u.cached_input_tokens), outputTokens: num(u.output_tokens), cachedInputTokens: num(u.cached_input_tokens) }
          : null;
        const resumedSame = request.sessionId !== null && threadId === request.sessionId;
        return {
          succeeded: c !== null && failure === null,
          output: lastMessage,
          error: failure ?? lastError,
          sessionId: c ? threadId : null,
          usage: snapshot ? minus(snapshot, resumedSame ? request.previousUsage : null) : null,
          usageSnapshot: snapshot,
          costUsd: null,
          model: null,
          unknownSession: threadId === null && unknownSessionText.test(stripAnsi(proc.stderr)),
        };
      },
    };
  },
};
