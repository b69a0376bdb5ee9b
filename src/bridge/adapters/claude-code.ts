// Claude Code: claude -p --output-format stream-json --verbose --permission-mode MODE [--model M] [--resume SESSION]
// [runtime args] [--mcp-config ... --allowedTools ...], prompt on stdin. The variadic flags come last, so
// they cannot swallow a positional of the runtime's args. Failure is is_error on the result event, never
// judged by subtype (API failures arrive as subtype success).
import type { PermissionLevel } from '../../domain/bridge/model.js';
import { scrub } from '../../domain/secrets.js';
import type { ControlPlaneCommand, PermissionDenial, RunRequest, Usage } from '../types.js';
import type { CliSpec } from './cli.js';
import { num, obj, str, stripAnsi } from './common.js';
import { streamJsonReader } from './stream-json.js';

const unknownSessionText = /No conversation found with session ID|not a valid UUID|--resume requires a valid session|does not match any session title/i;

const SERVER = 'control-plane';

/**
 * Claude's permission modes in -p mode (it cannot ask): `default` allows reading and denies edits and most
 * shell commands, `acceptEdits` allows edits too, `bypassPermissions` allows everything (and is refused to
 * root unless IS_SANDBOX=1 says the machine is a sandbox).
 */
export const claudePermissionModes: Record<PermissionLevel, string> = { read_only: 'default', edit: 'acceptEdits', full: 'bypassPermissions' };

/** At most this many denials, each input at most this long, are kept on a run. */
const MAX_DENIALS = 20;
const MAX_DENIAL_INPUT = 2000;

/**
 * The agent gets this server as an MCP server running as that agent (`--role agent`: its own realm, its own
 * identity, the agent's tools only), and the CLI is allowed exactly those tools: `-p` mode cannot ask for
 * permission, and allowing the whole server would let the agent reach tools it is not served anyway.
 */
export function mcpConfigArgs(controlPlane: ControlPlaneCommand, realmId: string, agentId: string): string[] {
  const args = [...controlPlane.args, '--role', 'agent', '--realm', realmId, '--agent', agentId];
  // Claude Code expands ${NAME} in an MCP config from its own environment (seen on 2.1.x), so a secret such as
  // DATABASE_URL is named here and its value travels in the CLI's environment (claudeCode.env), not in argv.
  const env = Object.fromEntries(Object.keys(controlPlane.env ?? {}).map((name) => [name, `\${${name}}`]));
  const server = { type: 'stdio', command: controlPlane.command, args, ...(Object.keys(env).length ? { env } : {}) };
  const config = { mcpServers: { [SERVER]: server } };
  const allowed = controlPlane.agentTools.map((tool) => `mcp__${SERVER}__${tool}`).join(',');
  return ['--mcp-config', JSON.stringify(config), '--strict-mcp-config', '--allowedTools', allowed];
}

/** Claude's permission_denials, without secrets and bounded in size. */
function denialsOf(value: unknown): PermissionDenial[] | null {
  if (!Array.isArray(value)) return null;
  return value.slice(0, MAX_DENIALS).map((d) => {
    const input = scrub(obj(d).tool_input).value;
    const text = JSON.stringify(input) ?? 'null';
    return { tool: str(obj(d).tool_name) ?? 'unknown', input: text.length > MAX_DENIAL_INPUT ? `${text.slice(0, MAX_DENIAL_INPUT)}…` : input };
  });
}

// A run without a realm (a global runtime used outside any realm) has no control plane to work on.
const connects = (r: RunRequest) => Boolean(r.runtime.connectControlPlane && r.controlPlane && r.realmId);

export const claudeCode: CliSpec = {
  args: (r) => [
    '-p', '--output-format', 'stream-json', '--verbose',
    '--permission-mode', claudePermissionModes[r.runtime.permissions ?? 'edit'],
    ...(r.model ? ['--model', r.model] : []),
    ...(r.sessionId ? ['--resume', r.sessionId] : []),
    ...r.runtime.args,
    ...(connects(r) ? mcpConfigArgs(r.controlPlane!, r.realmId!, r.agentId) : []),
  ],
  env: (r) => (connects(r) ? (r.controlPlane!.env ?? {}) : {}),
  refusal(runtime, env) {
    if (runtime.permissions !== 'full' || process.getuid?.() !== 0 || env.IS_SANDBOX === '1') return null;
    return {
      field: 'permissions',
      message:
        'Claude Code refuses full permissions (bypassPermissions) when run as root, and this server runs as root: run the server as ' +
        'another user, choose "edit", or, if the agent runs inside a sandbox, set envVars {"IS_SANDBOX": "1"}',
    };
  },
  provider: () => 'anthropic',
  parser() {
    // Subagents' text has a parent_tool_use_id; the main loop's does not.
    const reader = streamJsonReader((e) => e.parent_tool_use_id == null);
    const { seen } = reader;
    // The cost comes only with the result event, at the end (judged then, once the run is over). While the run
    // goes, each API call's usage comes on its assistant events (repeated for each content block of a message:
    // kept per message id), which the price table turns into a running estimate for the cost ceiling.
    const calls = new Map<string, Usage>();
    return {
      line(e) {
        reader.line(e);
        const message = obj(e.message);
        if (e.type === 'assistant' && typeof message.id === 'string' && message.usage) {
          const u = obj(message.usage);
          calls.set(message.id, { inputTokens: num(u.input_tokens) + num(u.cache_creation_input_tokens), outputTokens: num(u.output_tokens), cachedInputTokens: num(u.cache_read_input_tokens) });
        }
      },
      spend() {
        if (!calls.size || seen.result) return null;
        const usage = { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 };
        for (const u of calls.values()) {
          usage.inputTokens += u.inputTokens;
          usage.outputTokens += u.outputTokens;
          usage.cachedInputTokens += u.cachedInputTokens;
        }
        return { costUsd: null, usage, model: seen.model };
      },
      lastWords: () => seen.lastWords,
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
          permissionDenials: denialsOf(r?.permission_denials),
        };
      },
    };
  },
};
