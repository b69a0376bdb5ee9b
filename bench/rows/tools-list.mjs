// What tools/list costs a client: the bytes of the tools array as JSON (what a client puts in its model's
// context), for an admin session (every tool) and an agent session (stdio --role agent).
import { startOurs } from '../lib/mcp.mjs';

const KB = 1000;
const BYTES_PER_TOKEN = 4; // a rough rule for JSON with English text

async function size(db, args) {
  const server = await startOurs(db, args);
  const bytes = Buffer.byteLength(JSON.stringify(server.tools));
  const count = server.tools.length;
  await server.close();
  return { bytes, count };
}

const row = (what, { bytes, count }, maxKb) => ({
  what,
  measured: `${(bytes / KB).toFixed(1)} KB, ${count} tools (~${Math.round(bytes / BYTES_PER_TOKEN / 1000)}k tokens)`,
  baseline: '-',
  ratio: null,
  target: `<= ${maxKb} KB`,
  met: bytes <= maxKb * KB,
});

/** `db` holds `realmId` with the agent `agentId`. */
export async function toolsListRows(db, realmId, agentId) {
  return [
    row('tools/list, all tools (admin)', await size(db, []), 60),
    row('tools/list, agent role', await size(db, ['--role', 'agent', '--realm', realmId, '--agent', agentId]), 25),
  ];
}
