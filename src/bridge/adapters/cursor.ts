// Cursor: cursor-agent -p --output-format stream-json --trust [--force] [--model M] [--resume SESSION] [runtime
// args], prompt on stdin. A result event comes on success only; failures print to stderr alone. Cursor's CLI is
// not in the npm registry, so this adapter is tested against a fake built from Cursor's documented output.
import type { PermissionLevel } from '../../domain/bridge/model.js';
import type { CliSpec } from './cli.js';
import { num, obj, str, stripAnsi } from './common.js';
import { streamJsonReader } from './stream-json.js';

const unknownSessionText = /chat not found|no chat found|could not find chat|chat .* does not exist|unknown (chat|session)|could not resume/i;

/**
 * In print mode Cursor only proposes changes unless given --force, which also lets it run shell commands:
 * it has no level between the two, so edit and full are the same.
 */
export const cursorPermissionArgs: Record<PermissionLevel, string[]> = { read_only: [], edit: ['--force'], full: ['--force'] };

export const cursor: CliSpec = {
  // --trust: a headless run in an untrusted workspace stops at a trust prompt otherwise.
  args: (r) => [
    '-p', '--output-format', 'stream-json', '--trust',
    ...cursorPermissionArgs[r.runtime.permissions ?? 'edit'],
    ...(r.model ? ['--model', r.model] : []),
    ...(r.sessionId ? ['--resume', r.sessionId] : []),
    ...r.runtime.args,
  ],
  provider: () => 'cursor',
  parser(request) {
    // With partial output, lines carrying model_call_id are buffered duplicates.
    const reader = streamJsonReader((e) => e.model_call_id === undefined);
    const { seen } = reader;
    // A resume of a chat Cursor no longer has silently starts a new one: stop it before it does the work twice.
    const newSession = () => request.sessionId !== null && seen.initSessionId !== null && seen.initSessionId !== request.sessionId;
    return {
      line(e) {
        reader.line(e);
        if (e.type === 'system' && e.subtype === 'init' && newSession()) return 'stop';
      },
      lastWords: () => seen.lastWords,
      finish(proc) {
        const r = seen.result;
        const texts = seen.texts;
        const ok = r !== null && r.is_error !== true && proc.exitCode === 0 && !newSession();
        const u = r?.usage === undefined ? null : obj(r.usage);
        return {
          succeeded: ok,
          output: str(r?.result) ?? (texts.length ? texts.join('') : null),
          error: newSession() ? `Cursor started a new chat (${seen.initSessionId}) instead of resuming ${request.sessionId}` : ok ? null : r?.is_error ? str(r.result) : null,
          sessionId: ok ? (str(r?.session_id) ?? seen.sessionId) : null,
          // Cache writes are input; cache reads are the cached part (inputTokens excludes them).
          usage: u ? { inputTokens: num(u.inputTokens) + num(u.cacheWriteTokens), outputTokens: num(u.outputTokens), cachedInputTokens: num(u.cacheReadTokens) } : null,
          costUsd: null,
          // init.model is a display name ("Auto", "Claude 4 Sonnet"); the id asked for prices better.
          model: request.model ?? seen.model,
          unknownSession: newSession() || (!ok && unknownSessionText.test(stripAnsi(proc.stderr))),
        };
      },
    };
  },
};
