import type { Run, Runtime } from '../domain/bridge/model.js';

const inherited = /^(PATH|HOME|LANG|LANGUAGE|LC_[A-Z_]+|TZ|TMPDIR)$/;

/** A run's whole environment: the server's PATH, HOME and locale, the runtime's envVars, and who/what/where. */
export function runEnvironment(run: Run, runtime: Runtime, server: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(server)) if (v !== undefined && inherited.test(k)) env[k] = v;
  Object.assign(env, runtime.envVars ?? {});
  env.CONTROL_PLANE_RUN_ID = run.id;
  env.CONTROL_PLANE_AGENT_ID = run.agentId;
  env.CONTROL_PLANE_REALM_ID = run.realmId ?? '';
  env.CONTROL_PLANE_MISSION_ID = run.missionId ?? '';
  return env;
}
