import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { catalogue } from '../../src/tools/catalogue.js';
import { isReadOnly } from '../../src/tools/annotations.js';
import { toolName } from '../../src/tools/declaration.js';
import { cliPath, spawnServer, tempDb } from '../helpers/processes.js';

const names = catalogue.map((d) => toolName(d.id));

const run = (args: string[], input = '', env: Record<string, string> = {}) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [cliPath, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });

const message = (id: number, method: string, params: Record<string, unknown> = {}) => JSON.stringify({ jsonrpc: '2.0', id, method, params });

describe('the stdio binary', () => {
  const servers: { close(): Promise<void> }[] = [];
  afterEach(async () => void (await Promise.all(servers.splice(0).map((s) => s.close()))));

  it('writes nothing but JSON-RPC messages to stdout, from the first byte', async () => {
    const input = [
      message(1, 'initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } }),
      JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
      message(2, 'tools/list'),
      message(3, 'tools/call', { name: 'realm_create', arguments: { name: 'n' } }),
      '',
    ].join('\n');
    const { code, stdout, stderr } = await run(['--db', tempDb()], input);
    expect(code).toBe(0);
    const lines = stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ jsonrpc: '2.0' });
    const [init, list, call] = lines.map((l) => JSON.parse(l));
    expect(init.result.serverInfo.name).toBe('control-plane-mcp');
    expect(init.result.capabilities).toMatchObject({ tools: {}, logging: {}, prompts: {}, resources: { subscribe: true, listChanged: true } });
    expect(list.result.tools.map((t: { name: string }) => t.name)).toEqual(names);
    expect(call.result.isError).toBe(true);
    expect(JSON.parse(call.result.content[0].text).error).toMatchObject({ code: 'invalid_input', details: { field: 'owner' } });
    // Logs went to stderr as pino JSON lines.
    expect(stderr).toContain('serving MCP on stdio');
  });

  it('serves a real client, and honours --read-only and --toolsets', async () => {
    const db = tempDb();
    const full = await spawnServer(db);
    servers.push(full);
    const realm = await full.call('realm_create', { name: 'n', owner: 'o' });
    const readOnly = await spawnServer(db, ['--read-only']);
    servers.push(readOnly);
    expect(readOnly.tools.map((t) => t.name)).toEqual(names.filter(isReadOnly));
    expect((await readOnly.call('realm_get', { id: realm.id })).name).toBe('n');
    const missionsOnly = await spawnServer(db, ['--toolsets', 'mission,directive']);
    servers.push(missionsOnly);
    expect(missionsOnly.tools.map((t) => t.name.split('_')[0]).every((a) => a === 'mission' || a === 'directive')).toBe(true);
    expect(missionsOnly.tools).toHaveLength(names.filter((n) => /^(mission|directive)_/.test(n)).length);
  });

  it('prints usage for --help and refuses unknown flags and toolsets with exit code 2', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--toolsets');
    const bad = await run(['--colour']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("Unknown option '--colour'");
    const toolset = await run(['--toolsets', 'realm,payroll']);
    expect(toolset.code).toBe(2);
    expect(toolset.stderr).toContain('unknown toolset payroll');
  });

  it('takes its database from CONTROL_PLANE_DB, and :memory: works', async () => {
    const db = tempDb();
    const input = [
      message(1, 'initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } }),
      message(2, 'tools/call', { name: 'realm_create', arguments: { name: 'from-env', owner: 'o' } }),
      '',
    ].join('\n');
    expect((await run([], input, { CONTROL_PLANE_DB: db })).code).toBe(0);
    const viaFlag = await spawnServer(db);
    servers.push(viaFlag);
    expect((await viaFlag.call('realm_list')).realms.map((r: { name: string }) => r.name)).toEqual(['from-env']);
    const mem = await spawnServer(':memory:');
    servers.push(mem);
    expect((await mem.call('realm_list')).count).toBe(0);
  });
});
