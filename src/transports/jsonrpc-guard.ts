// Every inbound JSON-RPC message passes here before the SDK sees it, on every transport. The SDK answers
// nothing for a line that is not JSON or not JSON-RPC 2.0, overflows its stack on deeply nested params, and
// silently drops `__proto__` from tool arguments; here each of those gets a clear answer instead.
import {
  parseJSONRPCMessage,
  PROTOCOL_VERSION_META_KEY,
  ProtocolErrorCode,
  type JSONRPCMessage,
  type RequestId,
} from '@modelcontextprotocol/server';
import type { z } from 'zod';
import { findJsonProblem, jsonProblemError, MAX_NESTING, type JsonProblem } from '../domain/json-guard.js';
import { REALMS_URI } from '../resources/declarations.js';
import { fieldOf } from '../domain/validation.js';
import { errorResult } from '../tools/dispatch.js';
import type { Registry } from '../tools/registry.js';

/** Deliver the (well-formed) message to the server, or answer it here (null: a notification, nothing to say). */
export type Inbound = { deliver: JSONRPCMessage } | { reply: JSONRPCMessage | null; problem: string };

type Raw = Record<string, unknown>;

const isId = (id: unknown): id is RequestId => typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id));

export const protocolError = (id: RequestId | null, code: number, message: string, data?: unknown): JSONRPCMessage =>
  ({ jsonrpc: '2.0', id, error: { code, message, ...(data === undefined ? {} : { data }) } }) as JSONRPCMessage;

/** A 2026-07-28 request claims its revision in params._meta; its results carry resultType. */
const isModern = (raw: Raw) => {
  const meta = (raw.params as Raw | undefined)?._meta as Raw | undefined;
  return typeof meta?.[PROTOCOL_VERSION_META_KEY] === 'string';
};

/** zod issues as one readable line: `params.name: expected string, received number`. */
export function readableIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues
    .slice(0, 5)
    .map((i) => `${fieldOf(i.path) || 'message'}: ${i.message.replace(/^Invalid input: /, '')}`)
    .join('; ');
}

const problemText: Record<JsonProblem['kind'], string> = {
  too_deep: `is nested more than ${MAX_NESTING} levels deep`,
  lone_surrogate: 'is not well-formed Unicode (a lone UTF-16 surrogate)',
  nul_char: 'holds a NUL character (U+0000), which no text may hold',
  proto_key: 'holds the key "__proto__", which is not allowed',
};

/** Parses one line of the stdio stream. */
export function parseLine(line: string, registry: Registry, mayWatch?: WatchCheck): Inbound {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (error) {
    const reason = error instanceof RangeError ? 'nested too deeply to parse' : (error as Error).message;
    return { reply: protocolError(null, ProtocolErrorCode.ParseError, `Parse error: the message is not valid JSON (${reason})`), problem: 'parse error' };
  }
  return checkMessage(raw, registry, mayWatch);
}

/** Whether the caller may be told about changes to a URI (a subscriptions/listen filter is checked with it). */
export type WatchCheck = (uri: string) => boolean;

/** Checks one parsed message (an element of a stdio line or an HTTP body). */
export function checkMessage(raw: unknown, registry: Registry, mayWatch?: WatchCheck, options: { shape?: boolean } = {}): Inbound {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    const what = Array.isArray(raw) ? 'a batch (an array); MCP takes one message at a time' : `a ${raw === null ? 'null' : typeof raw}`;
    return { reply: protocolError(null, ProtocolErrorCode.InvalidRequest, `Invalid Request: a JSON-RPC message must be an object, not ${what}`), problem: 'not an object' };
  }
  const message = raw as Raw;
  const id = isId(message.id) ? message.id : null;
  const isRequest = typeof message.method === 'string' && 'id' in message;
  // Notifications and responses are never answered, even when malformed (JSON-RPC 2.0, section 5).
  const silent = (typeof message.method === 'string' && !isRequest) || (!('method' in message) && ('result' in message || 'error' in message));
  const answer = (reply: JSONRPCMessage, problem: string): Inbound => ({ reply: silent ? null : reply, problem });
  if (message.jsonrpc !== '2.0') {
    return answer(protocolError(id, ProtocolErrorCode.InvalidRequest, `Invalid Request: "jsonrpc" must be "2.0" (got ${JSON.stringify(message.jsonrpc) ?? 'nothing'})`), 'wrong jsonrpc version');
  }
  // The arguments of tools/call sit two levels down; their nesting is measured from the arguments object.
  const problem = findJsonProblem(message, MAX_NESTING + 2);
  if (problem) {
    const [top, second, ...rest] = problem.path;
    if (message.method === 'tools/call' && top === 'params' && second === 'arguments' && id !== null && isRequest) {
      const name = (message.params as Raw).name;
      const schema: z.ZodType | undefined = typeof name === 'string' ? registry.get(name)?.declaration.input : undefined;
      const error = jsonProblemError({ kind: problem.kind, path: rest }, schema);
      const result = { ...errorResult(error), ...(isModern(message) ? { resultType: 'complete' } : {}) };
      return { reply: { jsonrpc: '2.0', id, result } as JSONRPCMessage, problem: `tool arguments: ${error.message}` };
    }
    const code = top === 'params' ? ProtocolErrorCode.InvalidParams : ProtocolErrorCode.InvalidRequest;
    const text = `${code === ProtocolErrorCode.InvalidParams ? 'Invalid params' : 'Invalid Request'}: ${fieldOf(problem.path.slice(0, 8)) || 'the message'} ${problemText[problem.kind]}`;
    return answer(protocolError(id, code, text, { field: fieldOf(problem.path.slice(0, 8)) }), text);
  }
  // A 2026-07-28 listen stream is served by the SDK, which would watch any URI: the caller's rights are checked here.
  if (message.method === 'subscriptions/listen' && mayWatch && isRequest) {
    const wanted = ((message.params as Raw | undefined)?.notifications as Raw | undefined)?.resourceSubscriptions;
    const refused = Array.isArray(wanted) ? wanted.find((uri) => typeof uri !== 'string' || !mayWatch(uri)) : undefined;
    if (refused !== undefined) {
      const text = `Invalid params: this principal may not watch ${String(refused)}${refused === REALMS_URI ? ' (a realm\'s principal watches its realm\'s URI)' : ''}`;
      return { reply: protocolError(id, ProtocolErrorCode.InvalidParams, text, { code: 'forbidden', uri: refused }), problem: text };
    }
    // Our resource list is the realms list. A principal that may not watch it (one realm's) is not sent list
    // changes: its list does not change while it may read it, and the SDK would tell it of other realms' births
    // and deaths. The filter is narrowed rather than refused, since clients ask for list changes by default.
    const filter = (message.params as Raw | undefined)?.notifications as Raw | undefined;
    if (filter?.resourcesListChanged === true && !mayWatch(REALMS_URI)) filter.resourcesListChanged = false;
  }
  if (options.shape === false) return { deliver: message as JSONRPCMessage };
  try {
    return { deliver: parseJSONRPCMessage(message) };
  } catch (error) {
    const issues = (error as z.ZodError).issues ?? [];
    const text = `Invalid Request: not a JSON-RPC 2.0 request, notification or response (${readableIssues(issues) || (error as Error).message})`;
    return answer(protocolError(id, ProtocolErrorCode.InvalidRequest, text), text);
  }
}

// The SDK's own handlers report failed params parsing as zod's issue list, pretty-printed into the message:
// "Invalid tools/call request: [...]" (-32602), or the bare list (-32603, from McpServer's resources/read and
// prompts/get).
const zodDump = /^(?:(Invalid [^:\n]+): )?(\[\s*\{[\s\S]*\}\s*\])$/;

const issueText = (message: string) =>
  /received undefined$/.test(message) ? 'is required' : message.replace(/^Invalid input: /, '');

/** Turns an SDK zod dump into one readable -32602 line (and keeps the issues as data). */
export function readableProtocolError(message: JSONRPCMessage): JSONRPCMessage {
  const error = (message as { error?: { code: number; message: string; data?: unknown } }).error;
  if (!error || (error.code !== ProtocolErrorCode.InvalidParams && error.code !== ProtocolErrorCode.InternalError)) return message;
  const match = zodDump.exec(error.message);
  if (!match) return message;
  let issues: { path?: PropertyKey[]; message?: unknown }[];
  try {
    issues = JSON.parse(match[2]!);
  } catch {
    return message;
  }
  if (!Array.isArray(issues) || !issues.every((i) => i && typeof i.message === 'string' && Array.isArray(i.path))) return message;
  const fields = issues.map((i) => ({ field: fieldOf(i.path!), message: issueText(String(i.message)) }));
  const text = fields.slice(0, 5).map((f) => `${f.field || 'params'}${f.message === 'is required' ? ' ' : ': '}${f.message}`).join('; ');
  return { ...message, error: { code: ProtocolErrorCode.InvalidParams, message: `${match[1] ?? 'Invalid params'}: ${text}`, data: { issues: fields } } } as JSONRPCMessage;
}
