import { z } from 'zod';
import { agentId, cursor, entityId, jsonObject, limit, modelName, realmId, text } from '../params.js';
import { inheritPattern } from './env-references.js';
import { permissionLevels, runtimeKinds } from './model.js';

// open_code is accepted on input and stored as opencode.
const kind = z
  .enum([...runtimeKinds, 'open_code'])
  .transform((k) => (k === 'open_code' ? 'opencode' : k))
  .describe('process, http, claude_code, codex, cursor, opencode (or open_code), custom.');

export const RegisterRuntime = z.strictObject({
  kind,
  name: text(200),
  realmId: realmId.optional().describe('Scope the runtime to one realm; omit for a global runtime.'),
  command: text(4096).optional().describe('The program (no shell). Required for process and custom; agent CLIs default to their binary.'),
  args: z.array(z.string().max(65536)).max(256).optional().describe('Arguments, each passed as is (no shell).'),
  url: z.url({ protocol: /^https?$/ }).optional().describe('For http runtimes: where runs are POSTed.'),
  headers: z.record(z.string(), z.string()).optional().describe('For http runtimes. A value may hold ${env:NAME}, read from the server\'s environment at run time.'),
  envVars: z
    .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name'), z.string())
    .optional()
    .describe('Set in the run\'s environment. A value may hold ${env:NAME}, read from the server\'s environment at run time (so the secret is never stored).'),
  inheritEnv: z
    .array(z.string().regex(inheritPattern, 'must be an environment variable name, or a prefix ending in *'))
    .max(64)
    .optional()
    .describe('Server environment variables to pass on beyond the default ones (PATH, HOME, locale, proxies, CA certificates, the CLIs\' config directories), by name or prefix*: e.g. ["ANTHROPIC_API_KEY", "AWS_*"].'),
  workDir: text(4096).optional().describe('Working directory; it must exist.'),
  timeoutSecs: z.number().int().min(1).max(86400).optional().describe('Default run timeout (default 300).'),
  model: modelName().optional(),
  connectControlPlane: z.boolean().optional().describe('claude_code only: give the agent this server as an MCP server on the same database.'),
  permissions: z
    .enum(permissionLevels)
    .optional()
    .describe('Agent CLIs only: read_only (read and propose), edit (the default: edit files in its working directory), or full (anything, without asking).'),
});

export const Invoke = z.strictObject({
  runtimeId: entityId('runtime (rt-...)'),
  agentId,
  context: jsonObject().describe('What the agent works from (e.g. an agent_briefing context).'),
  prompt: z.string().trim().min(1).max(256 * 1024).optional().describe('The instruction (at most 256 KiB).'),
  realmId: realmId.optional().describe('The run\'s realm; default the runtime\'s.'),
  missionId: entityId('mission the run works on').optional(),
  model: modelName().optional().describe('Model for this run; default the runtime\'s, then the realm\'s.'),
  timeoutSecs: z.number().int().min(1).max(86400).optional(),
  wait: z.boolean().default(false).describe('Wait for the result (with progress notifications) instead of returning at once.'),
});

export const RunId = z.strictObject({ runId: entityId('bridge run (brun-...)') });

export const ListRuntimes = z.strictObject({
  realmId: realmId.optional(),
  kind: z.enum([...runtimeKinds, 'open_code']).transform((k) => (k === 'open_code' ? 'opencode' : k)).optional(),
  limit,
  cursor: cursor.optional(),
});

export type RegisterRuntime = z.output<typeof RegisterRuntime>;
export type Invoke = z.output<typeof Invoke>;
export type ListRuntimes = z.output<typeof ListRuntimes>;
