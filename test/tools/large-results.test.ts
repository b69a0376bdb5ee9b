import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../helpers/connect.js';
import { newRealm } from '../helpers/org.js';
import { stateDir } from '../helpers/fakes.js';

let s: Awaited<ReturnType<typeof connect>>;
let realmId: string;
const bulky = 'n'.repeat(60 * 1024);
/** Missions of about 60 KiB each. */
const fill = async (count: number) => {
  for (let i = 0; i < count; i++) await s.call('mission_create', { realmId, title: `m${i}`, createdBy: 'o', description: bulky });
};
const raw = (name: string, args: Record<string, unknown>) => s.client.callTool({ name, arguments: args });
const textOf = (result: Awaited<ReturnType<typeof raw>>) => (result.content as { text: string }[])[0]!.text;

beforeAll(async () => {
  s = await connect();
  realmId = (await newRealm(s, { name: 'big' })).id;
});
afterAll(() => s.close());

describe('large results', () => {
  it('up to 256 KiB, carry the same JSON as text; past it, a summary as text', async () => {
    await fill(3);
    const small = await raw('realm_export', { id: realmId, includeAudit: false });
    expect(JSON.parse(textOf(small))).toEqual(small.structuredContent);
    await fill(27);
    const result = await raw('realm_export', { id: realmId, includeAudit: false });
    expect(result.isError).toBeFalsy();
    expect((result.structuredContent as { missions: unknown[] }).missions).toHaveLength(30);
    const summary = JSON.parse(textOf(result));
    expect(summary).toMatchObject({ summary: expect.stringContaining('the whole of it is in structuredContent'), keys: expect.arrayContaining(['missions']) });
    expect(summary.bytes).toBeGreaterThan(256 * 1024);
    // What is not a list or an object comes along, so that a client reading only text can page on.
    expect(summary.values).toEqual({ format: 'control-plane-mcp/realm', version: 1, exportedAt: expect.any(String), scrubbed: expect.any(Boolean), redactedCount: expect.any(Number) });
    const page = await raw('mission_list', { realmId, limit: 10 });
    const pageSummary = JSON.parse(textOf(page));
    expect(pageSummary.keys).toEqual(['missions', 'count', 'nextCursor']);
    expect(pageSummary.values).toEqual({ count: 10, nextCursor: (page.structuredContent as { nextCursor: string }).nextCursor });
    expect(pageSummary.values.nextCursor).toEqual(expect.any(String));
  });

  it('past 8 MiB, answer with an error that says how to ask for less, and realm_export writes a file instead', async () => {
    await fill(120);
    const refused = await s.fail('realm_export', { id: realmId });
    expect(refused).toMatchObject({ code: 'invalid_input', details: { field: 'file', maxBytes: 8 * 1024 * 1024 } });
    expect(refused.message).toMatch(/over the 8\.0 MiB one answer may carry; pass file/);
    const list = await s.fail('mission_list', { realmId, limit: 1000 });
    expect(list).toMatchObject({ code: 'invalid_input', details: { field: 'limit' } });

    const file = join(stateDir(), 'big.json');
    const written = await s.call('realm_export', { id: realmId, file });
    expect(written).toMatchObject({ format: 'control-plane-mcp/realm', source: { realmId }, counts: { missions: 150 }, file: { path: file } });
    const bytes = readFileSync(file);
    expect(written.file).toMatchObject({ bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
    expect(bytes.length).toBeGreaterThan(8 * 1024 * 1024);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const imported = await s.call('realm_import', { file, newName: 'big copy' });
    expect(imported).toMatchObject({ realm: { name: 'big copy' }, counts: { missions: 150 }, sourceRealmId: realmId });
  });

  it('never overwrite a file, take only absolute paths, and take exactly one of data and file', async () => {
    const file = join(stateDir(), 'small.json');
    const small = (await newRealm(s, { name: 'small' })).id;
    await s.call('realm_export', { id: small, file });
    expect(await s.fail('realm_export', { id: small, file })).toMatchObject({ code: 'invalid_input', details: { field: 'file' }, message: expect.stringContaining('already exists') });
    expect(await s.fail('realm_export', { id: small, file: 'relative.json' })).toMatchObject({ code: 'invalid_input', details: { field: 'file' } });
    const document = await s.call('realm_export', { id: small });
    expect(await s.fail('realm_import', { data: document, file })).toMatchObject({ code: 'invalid_input', message: 'data: give exactly one of data and file', details: { field: 'data' } });
    expect(await s.fail('realm_import', {})).toMatchObject({ code: 'invalid_input' });
    expect(await s.fail('realm_import', { file: join(stateDir(), 'none.json') })).toMatchObject({ code: 'invalid_input', details: { field: 'file' }, message: expect.stringContaining('ENOENT') });
  });
});
