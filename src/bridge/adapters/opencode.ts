// OpenCode: opencode run --format json [-m provider/model] [--session SESSION], prompt on stdin.
// Tokens and cost are summed over step_finish events; the final text is the text after the last step_start.
import { num, obj, str, stripAnsi } from './common.js';
import type { CliSpec } from './cli.js';

const unknownSessionText = /Session not found|NotFoundError/;

export const opencode: CliSpec = {
  args: (r) => ['run', '--format', 'json', ...(r.model ? ['-m', r.model] : []), ...(r.sessionId ? ['--session', r.sessionId] : []), ...r.runtime.args],
  provider: (model) => (model && model.includes('/') ? model.slice(0, model.indexOf('/')) : 'opencode'),
  parser() {
    let sessionId: string | null = null;
    let finalTexts: string[] = [];
    let steps = 0;
    let error: string | null = null;
    const usage = { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 };
    let cost = 0;
    return {
      line(e) {
        if (typeof e.sessionID === 'string') sessionId = e.sessionID;
        const part = obj(e.part);
        if (e.type === 'step_start') finalTexts = [];
        if (e.type === 'text' && typeof part.text === 'string') finalTexts.push(part.text);
        if (e.type === 'step_finish') {
          steps++;
          const t = obj(part.tokens);
          usage.inputTokens += num(t.input);
          usage.outputTokens += num(t.output) + num(t.reasoning);
          usage.cachedInputTokens += num(obj(t.cache).read);
          cost += num(part.cost);
        }
        if (e.type === 'error') {
          const err = obj(e.error);
          error = `${str(err.name) ?? 'Error'}: ${str(obj(err.data).message) ?? 'unknown error'}`;
        }
      },
      finish(proc) {
        // An error event is a failure whatever the exit code.
        const ok = error === null && proc.exitCode === 0;
        return {
          succeeded: ok,
          output: finalTexts.length ? finalTexts.join('\n\n') : null,
          error,
          sessionId: ok ? sessionId : null,
          usage: steps ? usage : null,
          costUsd: steps ? cost : null,
          model: null,
          unknownSession: !ok && unknownSessionText.test(stripAnsi(proc.stderr)),
        };
      },
    };
  },
};
