import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { alive, fakeCommand, hanging, stateDir } from '../helpers/fakes.js';
import { cliPath, spawnServer, tempDb } from '../helpers/processes.js';
import { initialize, rawServer, toolCall, toolError } from '../helpers/raw-server.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const until = async (check: () => boolean, ms: number) => {
  const start = Date.now();
  while (!check() && Date.now() - start < ms) await sleep(20);
  return check();
};

/** A realm with an agent, made through a real server that is then closed. */
async function seeded(db: string) {
  const s = await spawnServer(db);
  const realm = await s.call('realm_create', { name: 'r', owner: 'o' });
  await s.call('hierarchy_set', { realmId: realm.id, agentId: 'agent-a' });
  await s.close();
  return realm.id as string;
}

const spend = (id: number, realmId: string) =>
  toolCall(id, 'ledger_spend', { realmId, agentId: 'agent-a', costCents: 1, provider: 'p', model: 'm', inputTokens: 1, outputTokens: 1 });

async function totalSpent(db: string, realmId: string) {
  const s = await spawnServer(db);
  const { totalCents } = await s.call('ledger_summary', { realmId });
  await s.close();
  return totalCents as number;
}

describe('a stdio server ending', () => {
  it('answers every one of 500 pipelined calls followed by EOF, without warnings', async () => {
    const db = tempDb();
    const realmId = await seeded(db);
    const server = rawServer(['--db', db]);
    server.end(initialize() + Array.from({ length: 500 }, (_, i) => spend(i + 1, realmId)).join('\n') + '\n');
    const { code } = await server.exited;
    expect(code).toBe(0);
    const answers = server.messages.filter((m) => typeof m.id === 'number' && m.id > 0);
    expect(answers).toHaveLength(500);
    expect(answers.filter((m) => m.error || m.result?.isError)).toEqual([]);
    expect(new Set(answers.map((m) => m.id)).size).toBe(500);
    expect(server.stderr).not.toMatch(/Warning|MaxListeners/);
    expect(await totalSpent(db, realmId)).toBe(500);
  });

  it('on SIGTERM mid-burst, answers every call it read, and only those were done', async () => {
    const db = tempDb();
    const realmId = await seeded(db);
    const server = rawServer(['--db', db]);
    server.write(initialize());
    await server.waitFor(0);
    server.write(Array.from({ length: 400 }, (_, i) => spend(i + 1, realmId)).join('\n'));
    await until(() => server.messages.length > 20, 5000);
    server.child.kill('SIGTERM');
    // Whatever is still in the pipe after SIGTERM is not read.
    server.write(Array.from({ length: 50 }, (_, i) => spend(1000 + i, realmId)).join('\n'));
    const { code } = await server.exited;
    expect(code).toBe(0);
    const answered = server.messages.filter((m) => typeof m.id === 'number' && m.id > 0);
    expect(answered.filter((m) => m.error || m.result?.isError)).toEqual([]);
    expect(answered.length).toBeGreaterThan(20);
    expect(await totalSpent(db, realmId)).toBe(answered.length);
  });

  it('interrupts a call still running after the grace period, answers it, and records the run as interrupted', async () => {
    const db = tempDb();
    const realmId = await seeded(db);
    const state = stateDir();
    const setup = await spawnServer(db);
    const rt = await setup.call('bridge_register', { kind: 'process', name: 'hang', command: fakeCommand.process, realmId, envVars: { FAKE_STATE: state, FAKE_SCENARIO: 'hang' } });
    await setup.close();
    const server = rawServer(['--db', db, '--shutdown-grace', '1']);
    server.write(initialize());
    server.write(toolCall(1, 'bridge_invoke', { runtimeId: rt.id, agentId: 'agent-a', context: {}, wait: true }));
    const pids = await hanging(state);
    const endedAt = Date.now();
    server.end();
    const answer = await server.waitFor(1, 15_000);
    expect(answer.result.structuredContent).toMatchObject({ status: 'cancelled', error: expect.stringContaining('interrupted') });
    const { code, at } = await server.exited;
    expect(code).toBe(0);
    // One second of grace, then the run's own SIGTERM-to-SIGKILL grace at most.
    expect(at - endedAt).toBeLessThan(9000);
    expect(alive(pids.grandchild)).toBe(false);
    const after = await spawnServer(db);
    expect((await after.call('bridge_run', { runId: answer.result.structuredContent.id })).status).toBe('cancelled');
    await after.close();
  });

  it('exits within 2 s when its client is killed with its pipes, stopping the run it was doing', async () => {
    const db = tempDb();
    const realmId = await seeded(db);
    const state = stateDir();
    const setup = await spawnServer(db);
    const rt = await setup.call('bridge_register', { kind: 'process', name: 'hang', command: fakeCommand.process, realmId, envVars: { FAKE_STATE: state, FAKE_SCENARIO: 'hang', FAKE_IGNORE_TERM: '1' } });
    await setup.close();
    const clientScript = fileURLToPath(new URL('../fixtures/stdio-client.mjs', import.meta.url));
    const client = spawn(process.execPath, [clientScript, cliPath, '--db', db, '--', initialize().trim().split('\n')[0]!, initialize().trim().split('\n')[1]!,
      toolCall(1, 'bridge_invoke', { runtimeId: rt.id, agentId: 'agent-a', context: {}, wait: true })], { stdio: ['ignore', 'pipe', 'ignore'] });
    const serverPid = Number(await new Promise<string>((resolve) => client.stdout.once('data', (d) => resolve(String(d)))));
    const pids = await hanging(state);
    const killedAt = Date.now();
    client.kill('SIGKILL');
    expect(await until(() => !alive(serverPid), 2000), 'the server outlived its client by 2 s').toBe(true);
    expect(Date.now() - killedAt).toBeLessThan(2000);
    expect(await until(() => !alive(pids.grandchild) && !alive(pids.parent), 1000)).toBe(true);
  });

  it('exits within 2 s when its stdout is closed, even with a call waiting', async () => {
    const db = tempDb();
    const server = rawServer(['--db', db]);
    server.write(initialize());
    await server.waitFor(0);
    server.child.stdout.destroy();
    const closedAt = Date.now();
    // The next answer meets a closed pipe.
    server.write(toolCall(1, 'realm_list', {}));
    const { at } = await server.exited;
    expect(at - closedAt).toBeLessThan(2000);
  });

  it('exits within 2 s when its stderr is closed, and never spins on EPIPE', async () => {
    const db = tempDb();
    const server = rawServer(['--db', db], { env: { CONTROL_PLANE_LOG_LEVEL: 'debug' } });
    server.write(initialize());
    await server.waitFor(0);
    server.child.stderr.destroy();
    const closedAt = Date.now();
    // Each refused line is logged: the log write meets the closed pipe.
    for (let i = 0; i < 20; i++) server.write('not json');
    const { at } = await server.exited;
    expect(at - closedAt).toBeLessThan(2000);
  });

  it('answers a call still waiting on stdin EOF before it exits, when the work ends within the grace period', async () => {
    const db = tempDb();
    const realmId = await seeded(db);
    const server = rawServer(['--db', db]);
    server.end(initialize() + spend(1, realmId) + '\n' + toolCall(2, 'council_verify', { realmId }) + '\n');
    await server.exited;
    expect(toolError(server.answer(1))).toBeNull();
    expect(server.answer(2)?.result.structuredContent).toMatchObject({ valid: true });
  });
});
