import { str, textBlocks } from './common.js';

/**
 * What Claude Code and Cursor both print with --output-format stream-json: an init event (session, model),
 * assistant text, and one result event. Each CLI says which assistant lines carry the main text and judges
 * the result itself.
 */
export function streamJsonReader(isMainText: (event: Record<string, unknown>) => boolean) {
  const seen = { sessionId: null as string | null, model: null as string | null, result: null as Record<string, unknown> | null, texts: [] as string[] };
  return {
    seen,
    line(e: Record<string, unknown>) {
      // A result's session id is judged with the result (a failed resume may echo a made-up one).
      if (typeof e.session_id === 'string' && e.type !== 'result') seen.sessionId = e.session_id;
      if (e.type === 'system' && e.subtype === 'init') seen.model = str(e.model);
      if (e.type === 'assistant' && isMainText(e)) seen.texts.push(...textBlocks(e));
      if (e.type === 'result') seen.result = e;
    },
  };
}
