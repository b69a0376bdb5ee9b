// What a run's processes see of the server's environment.
import { describe, expect, it } from 'vitest';
import { runEnvironment, runHeaders, runMarker } from '../../src/bridge/environment.js';
import { MissingEnvironment } from '../../src/domain/bridge/env-references.js';
import { runtime } from '../helpers/fakes.js';

const run = { id: 'brun-1', agentId: 'agent-a', realmId: 'realm-1', missionId: null };
const server = {
  PATH: '/usr/bin', HOME: '/home/op', LC_ALL: 'C.UTF-8', HTTPS_PROXY: 'http://proxy:3128', no_proxy: 'localhost', NODE_EXTRA_CA_CERTS: '/etc/ca.pem',
  CODEX_HOME: '/home/op/.codex', XDG_CONFIG_HOME: '/home/op/.config', ANTHROPIC_API_KEY: 'sk-ant-secret', AWS_REGION: 'eu-west-1',
  AWS_SECRET_ACCESS_KEY: 'aws-secret', DATABASE_URL: 'postgres://u:p@db/x',
};

describe('a run\'s environment', () => {
  it('passes on the default list (programs, locale, proxies, CA certificates, the CLIs\' config) and nothing else', () => {
    const env = runEnvironment(run, runtime('claude_code'), server);
    expect(env).toEqual({
      PATH: '/usr/bin', HOME: '/home/op', LC_ALL: 'C.UTF-8', HTTPS_PROXY: 'http://proxy:3128', no_proxy: 'localhost', NODE_EXTRA_CA_CERTS: '/etc/ca.pem',
      CODEX_HOME: '/home/op/.codex', XDG_CONFIG_HOME: '/home/op/.config',
      CONTROL_PLANE_RUN_ID: 'brun-1', CONTROL_PLANE_AGENT_ID: 'agent-a', CONTROL_PLANE_REALM_ID: 'realm-1', CONTROL_PLANE_MISSION_ID: '',
    });
    expect(`CONTROL_PLANE_RUN_ID=${env.CONTROL_PLANE_RUN_ID}`).toBe(runMarker('brun-1'));
  });

  it('adds what inheritEnv names, by name or prefix*', () => {
    const env = runEnvironment(run, runtime('claude_code', { inheritEnv: ['ANTHROPIC_API_KEY', 'AWS_*'] }), server);
    expect(env).toMatchObject({ ANTHROPIC_API_KEY: 'sk-ant-secret', AWS_REGION: 'eu-west-1', AWS_SECRET_ACCESS_KEY: 'aws-secret' });
    expect(env.DATABASE_URL).toBeUndefined();
  });

  it('resolves ${env:NAME} in envVars and headers when the run starts, and names what is missing', () => {
    const rt = runtime('http', { envVars: { KEY: '${env:ANTHROPIC_API_KEY}', MIXED: 'a-${env:AWS_REGION}-b' }, headers: { authorization: 'Bearer ${env:ANTHROPIC_API_KEY}' } });
    expect(runEnvironment(run, rt, server)).toMatchObject({ KEY: 'sk-ant-secret', MIXED: 'a-eu-west-1-b' });
    expect(runHeaders(rt, server)).toEqual({ authorization: 'Bearer sk-ant-secret' });
    const missing = runtime('codex', { envVars: { OPENAI_API_KEY: '${env:OPENAI_API_KEY}' } });
    expect(() => runEnvironment(run, missing, server)).toThrow(MissingEnvironment);
    expect(() => runEnvironment(run, missing, server)).toThrow("envVars.OPENAI_API_KEY refers to ${env:OPENAI_API_KEY}, which is not set in the server's environment");
  });

  it('lets the runtime\'s envVars override what is passed on, but never the run\'s identity', () => {
    const env = runEnvironment(run, runtime('process', { envVars: { HOME: '/srv/agent', CONTROL_PLANE_RUN_ID: 'forged' } }), server);
    expect(env.HOME).toBe('/srv/agent');
    expect(env.CONTROL_PLANE_RUN_ID).toBe('brun-1');
  });
});
