// The org chart and the board as MCP Apps, through a real MCP client talking to a real server process: the
// tools name their views in tools/list, the ui:// resources are listed and read as self-contained HTML.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnServer, tempDb } from '../helpers/processes.js';

const MIME = 'text/html;profile=mcp-app';
const views = { hierarchy_tree: 'ui://control-plane/org-chart.html', mission_list: 'ui://control-plane/board.html' };
let server: Awaited<ReturnType<typeof spawnServer>>;

beforeAll(async () => {
  server = await spawnServer(tempDb());
});
afterAll(() => server.close());

describe('MCP Apps views', () => {
  it('are named by the tools whose results they draw, under both _meta keys, and by no other tool', async () => {
    for (const [name, uri] of Object.entries(views)) {
      const tool = server.tools.find((t) => t.name === name)!;
      expect(tool._meta).toMatchObject({ ui: { resourceUri: uri }, 'ui/resourceUri': uri });
    }
    expect(server.tools.filter((t) => t._meta?.ui).map((t) => t.name).sort()).toEqual(Object.keys(views).sort());
  });

  it('are listed as ui:// resources and read as one self-contained HTML document each', async () => {
    const { resources } = await server.client.listResources();
    for (const uri of Object.values(views)) {
      const listed = resources.find((r) => r.uri === uri);
      expect(listed).toMatchObject({ mimeType: MIME });
      const { contents } = await server.client.readResource({ uri });
      expect(contents).toHaveLength(1);
      const html = (contents[0] as { text: string; mimeType: string }).text;
      expect(contents[0]!.mimeType).toBe(MIME);
      expect(html).toMatch(/^<!doctype html>/);
      expect(html).toContain('<div id="app"></div>');
      // Everything is inline: a host frame has nowhere to fetch from.
      expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/);
      expect(html).toContain('ui/initialize');
    }
  });

  it('are offered to an agent session too (it may read the org chart and missions)', async () => {
    const db = tempDb();
    const admin = await spawnServer(db);
    const realmId = (await admin.call('realm_create', { name: 'r', owner: 'o' })).id;
    await admin.call('hierarchy_set', { realmId, agentId: 'agent-a' });
    await admin.close();
    const agent = await spawnServer(db, ['--role', 'agent', '--realm', realmId, '--agent', 'agent-a']);
    const { resources } = await agent.client.listResources();
    expect(resources.filter((r) => r.uri.startsWith('ui://')).map((r) => r.uri).sort()).toEqual(Object.values(views).sort());
    const tree = await agent.call('hierarchy_tree', {});
    expect(tree.roots.map((n: { agentId: string }) => n.agentId)).toEqual(['agent-a']);
    await agent.close();
  });
});
