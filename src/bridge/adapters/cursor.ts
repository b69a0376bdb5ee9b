// Cursor: cursor-agent -p --output-format stream-json --trust [--model M] [--resume SESSION], prompt on stdin.
// A result event comes on success only; failures print to stderr alone. No usage or cost is reported.
import { str, stripAnsi, textBlocks } from './common.js';
import type { CliSpec } from './cli.js';

const unknownSessionText = /chat not found|no chat found|could not find chat|chat .* does not exist|unknown (chat|session)|could not resume/i;

export const cursor: CliSpec = {
  defaultCommand: 'cursor-agent',
  // --trust: a headless run in an untrusted workspace stops at a trust prompt otherwise.
  args: (r) => ['-p', '--output-format', 'stream-json', '--trust', ...(r.model ? ['--model', r.model] : []), ...(r.sessionId ? ['--resume', r.sessionId] : []), ...r.runtime.args],
  provider: () => 'cursor',
  parser() {
    let sessionId: string | null = null;
    let model: string | null = null;
    let result: Record<string, unknown> | null = null;
    const texts: string[] = [];
    return {
      line(e) {
        if (typeof e.session_id === 'string') sessionId = e.session_id;
        if (e.type === 'system' && e.subtype === 'init') model = str(e.model);
        // With partial output, lines carrying model_call_id are buffered duplicates.
        if (e.type === 'assistant' && e.model_call_id === undefined) texts.push(...textBlocks(e));
        if (e.type === 'result') result = e;
      },
      finish(proc) {
        const r = result as Record<string, unknown> | null;
        const ok = r !== null && r.is_error !== true && proc.exitCode === 0;
        return {
          succeeded: ok,
          output: str(r?.result) ?? (texts.length ? texts.join('') : null),
          error: ok ? null : r?.is_error ? str(r.result) : null,
          sessionId: ok ? (str(r?.session_id) ?? sessionId) : null,
          usage: null,
          costUsd: null,
          model,
          unknownSession: !ok && unknownSessionText.test(stripAnsi(proc.stderr)),
        };
      },
    };
  },
};
