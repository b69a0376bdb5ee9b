import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import type { Era } from '../../src/server.js';
import { callers, clientFor, watchers } from './connect.js';
import { cliPath, databaseArgs } from './processes.js';

/** A real `--http` server process on loopback (a free port), on `db` (a file or a PostgreSQL URL). */
export async function startHttp(db: string, args: string[] = [], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [cliPath, '--http', '--port', '0', ...databaseArgs(db), ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, CONTROL_PLANE_LOG_LEVEL: 'info', ...env },
  });
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "serving HTTP" line: ${stderr}`)), 15_000);
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      stderr += chunk;
      const line = stderr.split('\n').find((l) => l.includes('"serving HTTP"'));
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line).url);
      }
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${stderr}`)));
  });
  return {
    url,
    child,
    get stderr() {
      return stderr;
    },
    stop: () => stopProcess(child),
  };
}

export const stopProcess = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });

/** Makes a token with the CLI, as an operator would; returns it. */
export function makeToken(db: string, role: string, options: { realm?: string; agent?: string; expires?: string; name?: string } = {}): string {
  const args = [cliPath, 'token', 'create', '--role', role, ...databaseArgs(db)];
  for (const [flag, value] of Object.entries(options)) if (value) args.push(`--${flag}`, value);
  const made = spawnSync(process.execPath, args, { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`token create failed: ${made.stderr}`);
  return made.stdout.trim().split('\n').at(-1)!;
}

/** The SDK's v2 Client over Streamable HTTP, in an era, with a token. */
export async function httpClient(url: string, token: string | null, era: Era = 'modern') {
  const client: Client = clientFor(era, 'http-test');
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
    requestInit: { headers: token ? { Authorization: `Bearer ${token}` } : {} },
  });
  await client.connect(transport);
  return { client, transport, ...callers(client), ...watchers(client, era), close: () => client.close() };
}

/** fetch with a token; JSON in and out. */
export async function api(url: string, token: string | null, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: response.status, headers: response.headers, body: json };
}
