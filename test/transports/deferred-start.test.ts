import { Database } from '../../src/db/sqlite/driver.js';
import { describe, expect, it } from 'vitest';
import { catalogue } from '../../src/tools/catalogue.js';
import { Registry } from '../../src/tools/registry.js';
import { tempDb } from '../helpers/processes.js';
import { initialize, rawServer, rpc, toolCall, toolError } from '../helpers/raw-server.js';
import { withUi } from '../../src/dashboard/mcp-apps.js';

// The built server loads its runner, liveness and scheduler after its first answers (src/cli.ts), and reads its
// tools/list entries from dist/tools.json (scripts/build.mjs). Neither may show in what a client sees.
describe('the built server, which starts its background parts after its first answers', () => {
  it('lists exactly the entries the registry computes from the declarations', async () => {
    const server = rawServer(['--db', tempDb()]);
    server.write(`${initialize(0)}${rpc(1, 'tools/list')}`);
    const listed = (await server.waitFor(1)).result.tools;
    server.end();
    await server.exited;
    // (as the server lists them: hierarchy_tree and mission_list name their MCP Apps views)
    const computed = new Registry(catalogue).functionsFor('admin').map((f) => withUi(f.tool));
    expect(listed).toEqual(JSON.parse(JSON.stringify(computed)));
  });

  it('has its runner in place for a call sent before any tools/list', async () => {
    const server = rawServer(['--db', tempDb()]);
    // Without a runner the missing working directory would not be noticed, and the runtime registered.
    server.write(`${initialize(0)}${toolCall(1, 'bridge_register', { kind: 'process', name: 'p', command: '/bin/true', workDir: '/nonexistent/work/dir' })}`);
    const error = toolError(await server.waitFor(1));
    server.end();
    await server.exited;
    expect(error).toMatchObject({ code: 'invalid_input' });
    expect(error.message).toMatch(/does not exist/);
  });

  it('joins the processes on its database (liveness, recovery) when its client asks nothing', async () => {
    const db = tempDb();
    const server = rawServer(['--db', db]);
    server.write(initialize(0));
    await server.waitFor(0);
    const registered = () => {
      const reader = new Database(db, { readonly: true });
      try {
        return reader.prepare('SELECT count(*) AS n FROM instances WHERE pid = ?').get(server.child.pid) as { n: number };
      } finally {
        reader.close();
      }
    };
    for (let waited = 0; registered().n === 0 && waited < 5000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    expect(registered().n).toBe(1);
    server.end();
    await server.exited;
  });
});
