// OpenCode: opencode run --format json --print-logs --log-level WARN [-m provider/model] [--session SESSION] [runtime
// args], prompt on stdin. Its permissions are configuration, merged into OPENCODE_CONFIG_CONTENT. Without
// --print-logs a provider failure shows only as "UnknownError"; with it, the cause is in the ERROR log lines.
// Tokens and cost are summed over step_finish events; the final text is the text after the last step_start.
import type { PermissionLevel } from '../../domain/bridge/model.js';
import { CliSetupError, type CliSpec } from './cli.js';
import { errorLine, num, obj, str, stripAnsi } from './common.js';

const unknownSessionText = /Session not found|NotFoundError/;
const CONFIG = 'OPENCODE_CONFIG_CONTENT';

/** OpenCode's `permission` configuration per level ("deny" also hides the tool from the model). */
export const opencodePermissions: Record<PermissionLevel, Record<string, string>> = {
  read_only: { edit: 'deny', bash: 'deny' },
  edit: { edit: 'allow', bash: 'deny' },
  full: { '*': 'allow' },
};

/** `error.error="..."` (or `error="..."`) of OpenCode's ERROR log lines: the cause its JSON events leave out. */
const loggedCause = /\blevel=ERROR\b.*?\berror(?:\.error)?="((?:[^"\\]|\\.)*)"/;

/** The cause OpenCode logged last, else its own "Error: ..." line. */
export function opencodeError(stderr: string): string | null {
  const lines = stripAnsi(stderr).split('\n');
  const cause = lines.map((l) => loggedCause.exec(l)?.[1]).findLast((c) => c !== undefined);
  if (cause) return cause.replace(/\\(.)/g, '$1');
  return errorLine(lines.filter((l) => !/\blevel=/.test(l)).join('\n'));
}

/** The runtime's own OPENCODE_CONFIG_CONTENT, as an object. */
function givenConfig(env: Record<string, string>): Record<string, unknown> {
  const given = env[CONFIG];
  if (!given) return {};
  try {
    return obj(JSON.parse(given));
  } catch (error) {
    throw new CliSetupError(`${CONFIG} is not valid JSON (${(error as Error).message})`);
  }
}

export const opencode: CliSpec = {
  args: (r) => [
    'run', '--format', 'json', '--print-logs', '--log-level', 'WARN',
    ...(r.model ? ['-m', r.model] : []),
    ...(r.sessionId ? ['--session', r.sessionId] : []),
    ...r.runtime.args,
  ],
  env(r) {
    // The runtime's own configuration (envVars, inheritEnv) is kept; the permission level replaces its `permission`.
    return { [CONFIG]: JSON.stringify({ ...givenConfig(r.env), permission: opencodePermissions[r.runtime.permissions ?? 'edit'] }) };
  },
  errorLine: opencodeError,
  provider: (model) => (model && model.includes('/') ? model.slice(0, model.indexOf('/')) : 'opencode'),
  parser(request) {
    let sessionId: string | null = null;
    let finalTexts: string[] = [];
    let steps = 0;
    let error: string | null = null;
    let lastTool: string | null = null;
    const usage = { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 };
    let cost = 0;
    return {
      line(e) {
        if (typeof e.sessionID === 'string') sessionId = e.sessionID;
        const part = obj(e.part);
        if (e.type === 'step_start') finalTexts = [];
        if (e.type === 'text' && typeof part.text === 'string') finalTexts.push(part.text);
        if (e.type === 'tool_use') lastTool = `used ${str(part.tool) ?? 'a tool'}`;
        if (e.type === 'step_finish') {
          steps++;
          const t = obj(part.tokens);
          usage.inputTokens += num(t.input);
          usage.outputTokens += num(t.output) + num(t.reasoning);
          usage.cachedInputTokens += num(obj(t.cache).read);
          cost += num(part.cost);
        }
        if (e.type === 'error') {
          const err = obj(e.error);
          error = `${str(err.name) ?? 'Error'}: ${str(obj(err.data).message) ?? 'unknown error'}`;
        }
      },
      lastWords: (stderr) => opencodeError(stderr) ?? lastTool,
      // Each step_finish carries its cost: the sum so far is the run's spend as it goes.
      spend: () => (steps ? { costUsd: cost, usage: { ...usage }, model: request.model ?? str(givenConfig(request.env).model) } : null),
      finish(proc) {
        // An error event is a failure whatever the exit code. "UnknownError" says nothing: the log has the cause.
        const ok = error === null && proc.exitCode === 0;
        const logged = opencodeError(proc.stderr);
        return {
          succeeded: ok,
          output: finalTexts.length ? finalTexts.join('\n\n') : null,
          error: error && /^UnknownError\b/.test(error) && logged ? `${error} (${logged})` : error,
          sessionId: ok ? sessionId : null,
          usage: steps ? usage : null,
          costUsd: steps ? cost : null,
          // The stream never names the model: the one asked for, else the one the configuration sets.
          model: request.model ?? str(givenConfig(request.env).model),
          unknownSession: !ok && unknownSessionText.test(stripAnsi(proc.stderr)),
        };
      },
    };
  },
};
