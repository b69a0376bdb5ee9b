import type { JSONRPCMessage } from '@modelcontextprotocol/server';

/**
 * The JSON text of a result's structuredContent, kept from when the text copy was made, so that the wire can
 * put it in the message as is instead of serialising the same rows a second time. Keyed by the object itself:
 * a transport that copies the result (or anything that changes it) simply misses and serialises it anew.
 */
const texts = new WeakMap<object, string>();

export function rememberJson(value: unknown, json: string) {
  if (value !== null && typeof value === 'object') texts.set(value, json);
}

/**
 * One JSON-RPC message as a line of JSON: a tool result whose structuredContent was serialised already is
 * spliced from that text (the same JSON as JSON.stringify gives, with the envelope's keys first and
 * structuredContent last); anything else is stringified.
 */
export function messageJson(message: JSONRPCMessage): string {
  const result = (message as { result?: { structuredContent?: unknown } }).result;
  const structured = result?.structuredContent;
  const json = structured && typeof structured === 'object' ? texts.get(structured) : undefined;
  if (json === undefined) return JSON.stringify(message);
  const { structuredContent: _spliced, ...rest } = result!;
  const { result: _result, ...envelope } = message as unknown as Record<string, unknown>;
  const [head, body] = [JSON.stringify(envelope), JSON.stringify(rest)];
  // Each loses its closing brace and gains the next key, which needs something before it (jsonrpc and id;
  // content): if either came out empty, splicing would leave a stray comma.
  if (head === '{}' || body === '{}') return JSON.stringify(message);
  return `${head.slice(0, -1)},"result":${body.slice(0, -1)},"structuredContent":${json}}}`;
}
