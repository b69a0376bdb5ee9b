import { num, obj, str, textBlocks } from './common.js';

const WORDS = 300;

/** What a Claude Code or Cursor event says the CLI is doing, if it says anything worth repeating. */
function wordsOf(e: Record<string, unknown>): string | null {
  if (e.type === 'system' && e.subtype === 'api_retry') {
    const status = e.error_status === null || e.error_status === undefined ? 'no response' : `HTTP ${num(e.error_status)}`;
    return `API retry ${num(e.attempt)}/${num(e.max_retries)} (${str(e.error) ?? 'error'}, ${status})`;
  }
  if (e.type === 'assistant') {
    const blocks = ((obj(e.message).content as unknown[]) ?? []).map(obj);
    const tool = blocks.find((b) => b.type === 'tool_use');
    if (tool) return `using ${str(tool.name) ?? 'a tool'}`;
    const text = textBlocks(e).join('').trim();
    if (text) return `said "${text.slice(0, WORDS)}"`;
  }
  if (e.type === 'tool_call' && e.subtype === 'started') return `using ${Object.keys(obj(e.tool_call))[0] ?? 'a tool'}`;
  return null;
}

/**
 * What Claude Code and Cursor both print with --output-format stream-json: an init event (session, model),
 * assistant text, and one result event. Each CLI says which assistant lines carry the main text and judges
 * the result itself.
 */
export function streamJsonReader(isMainText: (event: Record<string, unknown>) => boolean) {
  const seen = {
    sessionId: null as string | null,
    initSessionId: null as string | null,
    model: null as string | null,
    result: null as Record<string, unknown> | null,
    texts: [] as string[],
    lastWords: null as string | null,
  };
  return {
    seen,
    line(e: Record<string, unknown>) {
      // A result's session id is judged with the result (a failed resume may echo a made-up one).
      if (typeof e.session_id === 'string' && e.type !== 'result') seen.sessionId = e.session_id;
      if (e.type === 'system' && e.subtype === 'init') {
        seen.model = str(e.model);
        seen.initSessionId = str(e.session_id);
      }
      if (e.type === 'assistant' && isMainText(e)) seen.texts.push(...textBlocks(e));
      if (e.type === 'result') seen.result = e;
      seen.lastWords = wordsOf(e) ?? seen.lastWords;
    },
  };
}
