// The HTTP baselines, in one process: the SDK's own createMcpHandler with one no-op tool at /mcp (2026-07-28
// per request; 2025-11-25 through its default stateless leg), and a bare node:http server answering GET
// /json with a fixed JSON body (BENCH_JSON). Prints its port on stdout.
import { McpServer, createMcpHandler } from '@modelcontextprotocol/server';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createServer } from 'node:http';
import { z } from 'zod';

const handler = createMcpHandler(() => {
  const server = new McpServer({ name: 'baseline', version: '1' });
  server.registerTool('noop', { inputSchema: z.object({ id: z.string().optional() }) }, async () => ({ content: [{ type: 'text', text: '{}' }] }));
  return server;
});
const mcp = toNodeHandler(handler);
const body = process.env.BENCH_JSON ?? '{}';
const server = createServer((req, res) => {
  if (req.url === '/json') {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)) });
    return res.end(body);
  }
  void mcp(req, res);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
