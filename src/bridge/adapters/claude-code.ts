// Claude Code: claude -p --output-format stream-json --verbose [--model M] [--resume SESSION], prompt on stdin.
// Failure is is_error on the result event, never judged by subtype (API failures arrive as subtype success).
import { num, obj, str, stripAnsi } from './common.js';
import { streamJsonReader } from './stream-json.js';
import type { ControlPlaneCommand } from '../types.js';
import type { CliSpec } from './cli.js';

const unknownSessionText = /No conversation found with session ID|not a valid UUID|--resume requires a valid session|does not match any session title/i;

const SERVER = 'control-plane';

/**
 * The agent gets this server as an MCP server running as that agent (`--role agent`: its own realm, its own
 * identity, the agent's tools only), and the CLI is allowed exactly those tools: `-p` mode cannot ask for
 * permission, and allowing the whole server would let the agent reach tools it is not served anyway.
 */
export function mcpConfigArgs(controlPlane: ControlPlaneCommand, realmId: string, agentId: string): string[] {
  const args = [...controlPlane.args, '--role', 'agent', '--realm', realmId, '--agent', agentId];
  const config = { mcpServers: { [SERVER]: { type: 'stdio', command: controlPlane.command, args } } };
  const allowed = controlPlane.agentTools.map((tool) => `mcp__${SERVER}__${tool}`).join(',');
  return ['--mcp-config', JSON.stringify(config), '--strict-mcp-config', '--allowedTools', allowed];
}

export const claudeCode: CliSpec = {
  args: (r) => [
    '-p', '--output-format', 'stream-json', '--verbose',
    ...(r.model ? ['--model', r.model] : []),
    ...(r.sessionId ? ['--resume', r.sessionId] : []),
    // A run without a realm (a global runtime used outside any realm) has no control plane to work on.
    ...(r.runtime.connectControlPlane && r.controlPlane && r.realmId ? mcpConfigArgs(r.controlPlane, r.realmId, r.agentId) : []),
    ...r.runtime.args,
  ],
  provider: () => 'anthropic',
  parser() {
    // Subagents' text has a parent_tool_use_id; the main loop's does not.
    const reader = streamJsonReader((e) => e.parent_tool_use_id == null);
    const { seen } = reader;
    return {
      line: reader.line,
      finish(proc) {
        const r = seen.result;
        const texts = seen.texts;
        const errors = Array.isArray(r?.errors) ? (r!.errors as unknown[]).map(String) : [];
        const isError = r ? r.is_error === true : true;
        const u = obj(r?.usage);
        const usage = r?.usage
          ? { inputTokens: num(u.input_tokens) + num(u.cache_creation_input_tokens), outputTokens: num(u.output_tokens), cachedInputTokens: num(u.cache_read_input_tokens) }
          : null;
        const text = str(r?.result) ?? (texts.length ? texts.join('') : null);
        const stderr = stripAnsi(proc.stderr);
        const structurallyUnknown = isError && r !== null && num(r.num_turns) === 0 && num(r.duration_api_ms) === 0;
        return {
          succeeded: r !== null && !isError && proc.exitCode === 0,
          output: text,
          error: isError ? (errors.join('; ') || (r ? text : null)) : null,
          // Never keep the id of a failed run: a failed resume may echo a made-up one.
          sessionId: r && !isError ? (str(r.session_id) ?? seen.sessionId) : null,
          usage,
          costUsd: typeof r?.total_cost_usd === 'number' ? r.total_cost_usd : null,
          model: seen.model,
          unknownSession: unknownSessionText.test(errors.join('\n')) || unknownSessionText.test(stderr) || structurallyUnknown,
        };
      },
    };
  },
};
