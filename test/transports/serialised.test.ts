import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { successResult } from '../../src/tools/dispatch.js';
import { messageJson } from '../../src/tools/serialised.js';

const answer = (id: number, result: unknown) => ({ jsonrpc: '2.0', id, result }) as unknown as JSONRPCMessage;

describe('a tool result on the wire', () => {
  const rows = { missions: Array.from({ length: 50 }, (_, i) => ({ id: `m${i}`, title: `quote " and \\ and \u2028 ${i}`, tags: ['a'], n: i / 3 })), nextCursor: null };

  it('carries the rows serialised once, spliced into a message equal to a plain JSON.stringify of it', () => {
    const message = answer(7, successResult('mission_list', rows));
    const line = messageJson(message);
    expect(JSON.parse(line)).toEqual(JSON.parse(JSON.stringify(message)));
    expect(line).toContain(`"structuredContent":${JSON.stringify(rows)}}}`);
  });

  it('falls back to JSON.stringify for a result it did not serialise (a copy, an error, a notification)', () => {
    const copied = answer(8, { ...successResult('mission_list', rows), structuredContent: { ...rows } });
    expect(messageJson(copied)).toBe(JSON.stringify(copied));
    const notification = { jsonrpc: '2.0', method: 'notifications/progress', params: { progress: 1 } } as unknown as JSONRPCMessage;
    expect(messageJson(notification)).toBe(JSON.stringify(notification));
  });
});

describe('a result the splice cannot vouch for', () => {
  it('is stringified whole: an empty rest or envelope, a primitive value', () => {
    const value = { a: 1 };
    successResult('x', value);
    const bare = { result: { structuredContent: value } } as unknown as JSONRPCMessage;
    expect(messageJson(bare)).toBe(JSON.stringify(bare));
    expect(JSON.parse(messageJson(answer(1, { structuredContent: value })))).toEqual({ jsonrpc: '2.0', id: 1, result: { structuredContent: value } });
    expect(() => successResult('x', null)).not.toThrow();
  });
});
