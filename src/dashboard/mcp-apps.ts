// The org chart and the board as MCP Apps (the ext-apps extension): two ui:// resources, each one self-contained
// HTML document (built from web/apps/ into dist/web/apps/), and the tools whose results they draw —
// hierarchy_tree and mission_list — pointing at them in their tools/list _meta. A host that supports MCP Apps
// shows the view inline when the tool is called; others ignore the _meta and the resources are plain HTML.
import { RESOURCE_MIME_TYPE, RESOURCE_URI_META_KEY, registerAppResource } from '@modelcontextprotocol/ext-apps/server';
import type { McpServer, Tool } from '@modelcontextprotocol/server';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Principal } from '../domain/principal.js';
import { holds, type Permission } from '../tools/permissions.js';

// As built this module is dist/dashboard/mcp-apps.js; the views are dist/web/apps/.
const appsDir = fileURLToPath(new URL('../web/apps/', import.meta.url));

interface UiView {
  uri: string;
  name: string;
  title: string;
  description: string;
  file: string;
  /** The tool whose result the view draws. */
  tool: string;
  /** What reading the view's data needs: a principal without it is not offered the view. */
  permission: Permission;
}

export const uiViews: readonly UiView[] = [
  {
    uri: 'ui://control-plane/org-chart.html',
    name: 'org-chart-app',
    title: 'Org chart (MCP App)',
    description: 'The realm\'s org chart drawn as a tree, shown by hosts that support MCP Apps when hierarchy_tree is called.',
    file: 'org-chart.html',
    tool: 'hierarchy_tree',
    permission: 'control_plane:agents:read',
  },
  {
    uri: 'ui://control-plane/board.html',
    name: 'board-app',
    title: 'Mission board (MCP App)',
    description: 'Missions in columns by status, shown by hosts that support MCP Apps when mission_list is called.',
    file: 'board.html',
    tool: 'mission_list',
    permission: 'control_plane:missions:read',
  },
];

const byTool = new Map(uiViews.map((v) => [v.tool, v]));

/** A tools/list entry with its view's URI in _meta (both the current key and the older one hosts still read). */
export function withUi(tool: Tool): Tool {
  const view = byTool.get(tool.name);
  return view ? { ...tool, _meta: { ...tool._meta, ui: { resourceUri: view.uri }, [RESOURCE_URI_META_KEY]: view.uri } } : tool;
}

const html = new Map<string, string>();
function read(view: UiView): string {
  if (!html.has(view.file)) html.set(view.file, readFileSync(`${appsDir}${view.file}`, 'utf8'));
  return html.get(view.file)!;
}

/** Registers the views this principal may use (the others are not listed, as for the realm resources). */
export function registerUiViews(server: McpServer, principal: Principal) {
  for (const view of uiViews.filter((v) => holds(principal.role, v.permission))) {
    registerAppResource(server, view.name, view.uri, { title: view.title, description: view.description, _meta: { ui: { prefersBorder: true } } }, async () => ({
      contents: [{ uri: view.uri, mimeType: RESOURCE_MIME_TYPE, text: read(view), _meta: { ui: { prefersBorder: true } } }],
    }));
  }
}
