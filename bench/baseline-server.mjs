// The baseline: a bare v2 SDK McpServer over stdio (serveStdio, both eras) with one tool that does nothing.
// Our figures are divided by it.
import { McpServer } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { z } from 'zod';

serveStdio(() => {
  const server = new McpServer({ name: 'baseline', version: '1' });
  server.registerTool('noop', { inputSchema: z.object({ id: z.string().optional() }) }, async () => ({ content: [{ type: 'text', text: '{}' }] }));
  return server;
});
