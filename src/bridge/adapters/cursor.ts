// Cursor: cursor-agent -p --output-format stream-json --trust [--model M] [--resume SESSION], prompt on stdin.
// A result event comes on success only; failures print to stderr alone. No usage or cost is reported.
import { str, stripAnsi } from './common.js';
import { streamJsonReader } from './stream-json.js';
import type { CliSpec } from './cli.js';

const unknownSessionText = /chat not found|no chat found|could not find chat|chat .* does not exist|unknown (chat|session)|could not resume/i;

export const cursor: CliSpec = {
  // --trust: a headless run in an untrusted workspace stops at a trust prompt otherwise.
  args: (r) => ['-p', '--output-format', 'stream-json', '--trust', ...(r.model ? ['--model', r.model] : []), ...(r.sessionId ? ['--resume', r.sessionId] : []), ...r.runtime.args],
  provider: () => 'cursor',
  parser() {
    // With partial output, lines carrying model_call_id are buffered duplicates.
    const reader = streamJsonReader((e) => e.model_call_id === undefined);
    const { seen } = reader;
    return {
      line: reader.line,
      finish(proc) {
        const r = seen.result;
        const texts = seen.texts;
        const ok = r !== null && r.is_error !== true && proc.exitCode === 0;
        return {
          succeeded: ok,
          output: str(r?.result) ?? (texts.length ? texts.join('') : null),
          error: ok ? null : r?.is_error ? str(r.result) : null,
          sessionId: ok ? (str(r?.session_id) ?? seen.sessionId) : null,
          usage: null,
          costUsd: null,
          model: seen.model,
          unknownSession: !ok && unknownSessionText.test(stripAnsi(proc.stderr)),
        };
      },
    };
  },
};
