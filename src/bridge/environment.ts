import { inherits, resolveReferences } from '../domain/bridge/env-references.js';
import type { Run, Runtime } from '../domain/bridge/model.js';

/**
 * What every run inherits from the server's environment, as a table: enough to find programs and files,
 * reach the network through the machine's proxy with its certificates, and find the CLIs' own configuration
 * and logins. API keys and everything else pass only when a runtime asks (inheritEnv, or ${env:NAME}).
 */
export const passedOn: ReadonlyArray<{ why: string; names: readonly string[] }> = [
  { why: 'programs, files, user and locale', names: ['PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'LANG', 'LANGUAGE', 'LC_*', 'TZ', 'TMPDIR'] },
  { why: 'proxies', names: ['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'all_proxy', 'no_proxy'] },
  { why: 'CA certificates', names: ['NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE'] },
  {
    why: "the CLIs' configuration and logins",
    names: ['XDG_CONFIG_HOME', 'XDG_DATA_HOME', 'XDG_CACHE_HOME', 'XDG_STATE_HOME', 'XDG_RUNTIME_DIR', 'CLAUDE_CONFIG_DIR', 'CODEX_HOME', 'OPENCODE_CONFIG', 'OPENCODE_CONFIG_DIR', 'CURSOR_CONFIG_DIR'],
  },
];
const defaultNames = passedOn.flatMap((group) => group.names);

const RUN_ID = 'CONTROL_PLANE_RUN_ID';
/** The environment entry every process of a run inherits, by which its leftovers are found (see process-tree.ts). */
export const runMarker = (runId: string) => `${RUN_ID}=${runId}`;

/** Who and what a run is about, for the agent (and the marker of its processes). */
const identity = (run: Pick<Run, 'id' | 'agentId' | 'realmId' | 'missionId'>) => ({
  [RUN_ID]: run.id,
  CONTROL_PLANE_AGENT_ID: run.agentId,
  CONTROL_PLANE_REALM_ID: run.realmId ?? '',
  CONTROL_PLANE_MISSION_ID: run.missionId ?? '',
});

const resolveAll = (values: Record<string, string> | null, server: NodeJS.ProcessEnv, field: string) =>
  Object.fromEntries(Object.entries(values ?? {}).map(([k, v]) => [k, resolveReferences(v, server, `${field}.${k}`)]));

/**
 * A run's whole environment: the default pass-through list and the runtime's inheritEnv from the server's
 * environment, then the runtime's envVars (their ${env:NAME} resolved), then who/what/where. Throws
 * MissingEnvironment when a reference names a variable the server does not have.
 */
export function runEnvironment(run: Pick<Run, 'id' | 'agentId' | 'realmId' | 'missionId'>, runtime: Runtime, server: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const patterns = [...defaultNames, ...runtime.inheritEnv];
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(server)) if (v !== undefined && inherits(patterns, k)) env[k] = v;
  return { ...env, ...resolveAll(runtime.envVars, server, 'envVars'), ...identity(run) };
}

/** The runtime's headers with their ${env:NAME} resolved (http runtimes). */
export const runHeaders = (runtime: Runtime, server: NodeJS.ProcessEnv = process.env) => resolveAll(runtime.headers, server, 'headers');
