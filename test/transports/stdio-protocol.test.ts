import { afterEach, describe, expect, it } from 'vitest';
import { tempDb } from '../helpers/processes.js';
import { initialize, rawServer, rpc, toolCall, toolError } from '../helpers/raw-server.js';

const nested = (levels: number) => `${'['.repeat(levels)}0${']'.repeat(levels)}`;
const modernMeta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': {} };

describe('bad input at the protocol level', () => {
  let server: ReturnType<typeof rawServer>;
  afterEach(async () => {
    server.end();
    expect((await server.exited).code).toBe(0);
  });

  /** After every bad message the server still answers a good one. */
  const stillServing = async (id: number) => {
    server.write(toolCall(id, 'realm_list', {}));
    expect((await server.waitFor(id)).result.structuredContent).toMatchObject({ count: expect.any(Number) });
  };

  const start = async () => {
    server = rawServer(['--db', tempDb()]);
    server.write(initialize());
    await server.waitFor(0);
  };

  it('answers invalid JSON with -32700, a wrong jsonrpc version with -32600, and a batch with -32600', async () => {
    await start();
    server.write('{"jsonrpc": "2.0", "id": 1, "method": ');
    server.write(JSON.stringify({ jsonrpc: '1.0', id: 2, method: 'tools/list' }));
    server.write(JSON.stringify([{ jsonrpc: '2.0', id: 3, method: 'tools/list' }]));
    server.write(JSON.stringify({ jsonrpc: '2.0', id: 4 }));
    await stillServing(5);
    const errors = server.messages.filter((m) => m.error);
    expect(errors.map((m) => [m.id, m.error!.code])).toEqual([[null, -32700], [2, -32600], [null, -32600], [4, -32600]]);
    expect(errors[0]!.error!.message).toMatch(/^Parse error: the message is not valid JSON/);
    expect(errors[1]!.error!.message).toBe('Invalid Request: "jsonrpc" must be "2.0" (got "1.0")');
    expect(errors[2]!.error!.message).toContain('batch');
  });

  it('answers malformed params with -32602 and one readable line, not a zod dump', async () => {
    await start();
    server.write(rpc(1, 'tools/call', { name: 5 }));
    server.write(rpc(2, 'resources/read', {}));
    server.write(rpc(3, 'prompts/get', { name: 'agent_briefing', arguments: { realmId: 5 } }));
    await stillServing(4);
    expect((await server.waitFor(3)).error).toMatchObject({ code: -32602, message: 'Invalid params: params.arguments.realmId: expected string, received number' });
    const [first, second] = [(await server.waitFor(1)).error!, (await server.waitFor(2)).error!];
    expect(first).toMatchObject({ code: -32602, message: 'Invalid tools/call request: params.name: expected string, received number', data: { issues: [{ field: 'params.name' }] } });
    expect(second).toMatchObject({ code: -32602, message: 'Invalid params: params.uri is required' });
    for (const message of [first.message, second.message]) expect(message).not.toMatch(/[\n[{]/);
  });

  it('refuses arguments nested more than 64 levels (5,000 here) with invalid_input naming the field', async () => {
    await start();
    const create = (id: number, levels: number) =>
      `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"realm_create","arguments":{"name":"n","owner":"o","metadata":{"deep":${nested(levels)}}}}}`;
    server.write(create(1, 5000));
    // metadata is level 1 and "deep" level 2, so 63 arrays put the innermost 0 at level 65, 62 at level 64.
    server.write(create(2, 63));
    server.write(create(3, 62));
    server.write(create(4, 30));
    await stillServing(5);
    for (const id of [1, 2]) expect(toolError(await server.waitFor(id))).toMatchObject({ code: 'invalid_input', message: 'metadata is nested more than 64 levels deep', details: { field: 'metadata' } });
    // Past the transport's limit, the schema's own (free-form objects nest at most 32 levels).
    expect(toolError((await server.waitFor(3)))).toMatchObject({ code: 'invalid_input', message: 'metadata: must not nest more than 32 levels deep' });
    expect((await server.waitFor(4)).result.structuredContent.metadata.deep).toBeDefined();
  });

  // Each bad character in a string, an array item and a key (as JSON escapes), and the message it gets.
  const badText = [
    { what: 'lone surrogates', string: '\\ud800', item: '\\udc00', key: '\\ud83d', keyField: 'metadata.\ud83d', message: /^name is not well-formed Unicode/ },
    { what: 'NUL characters', string: '\\u0000', item: 'a\\u0000b', key: 'k\\u0000', keyField: 'metadata.k\u0000', message: /^name holds a NUL character \(U\+0000\)/ },
  ];
  it.each(badText)('refuses $what in any string or key with invalid_input naming the field, creating nothing', async ({ string, item, key, keyField, message }) => {
    await start();
    const create = (id: number, args: string) => `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"realm_create","arguments":{${args}}}}`;
    server.write(create(1, `"name":"bad ${string} name","owner":"o"`));
    server.write(create(2, `"name":"n","owner":"o","metadata":{"note":["ok","${item}"]}`));
    server.write(create(3, `"name":"n","owner":"o","metadata":{"${key}":1}`));
    server.write(`{"jsonrpc":"2.0","id":4,"method":"resources/read","params":{"uri":"controlplane://realms/${string}"}}`);
    await stillServing(5);
    expect(toolError(await server.waitFor(1))).toMatchObject({ code: 'invalid_input', message: expect.stringMatching(message), details: { field: 'name' } });
    expect(toolError(await server.waitFor(2))).toMatchObject({ code: 'invalid_input', details: { field: 'metadata.note[1]' } });
    expect(toolError(await server.waitFor(3))).toMatchObject({ code: 'invalid_input', details: { field: keyField } });
    expect((await server.waitFor(4)).error).toMatchObject({ code: -32602, data: { field: 'params.uri' } });
    server.write(toolCall(6, 'realm_list', {}));
    expect((await server.waitFor(6)).result.structuredContent.count).toBe(0);
  });

  it('takes a surrogate pair (an emoji), which is well-formed', async () => {
    await start();
    server.write('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"realm_create","arguments":{"name":"rocket \\ud83d\\ude80","owner":"o"}}}');
    expect((await server.waitFor(1)).result.structuredContent.name).toBe('rocket 🚀');
  });

  it('refuses __proto__ like any unknown key, at the top and nested', async () => {
    await start();
    server.write('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"realm_create","arguments":{"name":"n","owner":"o","__proto__":{"isAdmin":true}}}}');
    server.write('{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"realm_create","arguments":{"name":"n","owner":"o","metadata":{"__proto__":{"x":1}}}}}');
    await stillServing(3);
    expect(toolError((await server.waitFor(1)))).toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/^unknown key "__proto__"; accepted keys: name, owner/) });
    expect(toolError((await server.waitFor(2)))).toMatchObject({ code: 'invalid_input', details: { field: 'metadata' } });
    expect((await (async () => { server.write(toolCall(4, 'realm_list', {})); return server.waitFor(4); })()).result.structuredContent.count).toBe(0);
  });

  it('answers a message over the size limit with an error carrying its id, and keeps serving', async () => {
    await start();
    const big = JSON.stringify({ method: 'tools/call', params: { name: 'realm_get', arguments: { id: 'x'.repeat(17 * 1024 * 1024) } }, jsonrpc: '2.0', id: 77 });
    server.write(big);
    const refused = await server.waitFor(77, 20_000);
    expect(refused.error).toMatchObject({ code: -32600, data: { maxBytes: 16 * 1024 * 1024 } });
    expect(refused.error!.message).toContain('over the 16 MiB limit');
    await stillServing(78);
  });

  it('frames its own answers for a 2026-07-28 request (resultType complete)', async () => {
    server = rawServer(['--db', tempDb()]);
    server.write(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'realm_create', arguments: JSON.parse('{"name":"n","owner":"o","__proto__":{}}'), _meta: modernMeta } }));
    const answer = await server.waitFor(1);
    expect(answer.result).toMatchObject({ isError: true, resultType: 'complete' });
    server.write(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'realm_list', arguments: {}, _meta: modernMeta } }));
    expect((await server.waitFor(2)).result).toMatchObject({ resultType: 'complete', structuredContent: { count: 0 } });
  });
});
