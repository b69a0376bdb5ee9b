// The baseline: a bare SDK McpServer over stdio with one tool that does nothing. Our figures are divided by it.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

const server = new McpServer({ name: 'baseline', version: '1' });
server.registerTool('noop', { inputSchema: { id: z.string().optional() } }, async () => ({ content: [{ type: 'text', text: '{}' }] }));
await server.connect(new StdioServerTransport());
