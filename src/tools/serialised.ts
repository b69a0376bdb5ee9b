import type { JSONRPCMessage } from '@modelcontextprotocol/server';

/**
 * The JSON text of a result's structuredContent, kept from when the text copy was made, so that the wire can
 * put it in the message as is instead of serialising the same rows a second time. Keyed by the object itself:
 * a transport that copies the result (or anything that changes it) simply misses and serialises it anew.
 */
const texts = new WeakMap<object, string>();

export function rememberJson(value: object, json: string) {
  texts.set(value, json);
}

/**
 * One JSON-RPC message as a line of JSON: a tool result whose structuredContent was serialised already is
 * spliced from that text (the same bytes JSON.stringify would give for it); anything else is stringified.
 */
export function messageJson(message: JSONRPCMessage): string {
  const result = (message as { result?: { structuredContent?: unknown } }).result;
  const structured = result?.structuredContent;
  const json = structured && typeof structured === 'object' ? texts.get(structured) : undefined;
  if (json === undefined) return JSON.stringify(message);
  const { structuredContent: _spliced, ...rest } = result!;
  const { result: _result, ...envelope } = message as unknown as Record<string, unknown>;
  // Both objects are non-empty (jsonrpc and id; content): each loses its closing brace and gains the next key.
  return `${JSON.stringify(envelope).slice(0, -1)},"result":${JSON.stringify(rest).slice(0, -1)},"structuredContent":${json}}}`;
}
