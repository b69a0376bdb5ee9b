// Several real server processes (instances) on one PostgreSQL database started by the test, as a fleet's
// control plane behind a balancer: each over stdio (one MCP client on its pipe) or --http (any number of
// clients), and any of them can be killed with SIGKILL. The database is also open to the test itself, so that
// what the tools answered can be checked against the rows.
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { spawn, type ChildProcess } from 'node:child_process';
import pg from 'pg';
import type { Era } from '../../src/server.js';
import { callers, clientFor } from './connect.js';
import { httpClient } from './http.js';
import { startPostgres, type TestPostgres } from './postgres.js';
import { cliPath } from './processes.js';

export type InstanceTransport = 'stdio' | 'http';

/** Keeps the last part of a process's stderr (read, so that the pipe never fills and blocks the server). */
function tail(stream: NodeJS.ReadableStream | null | undefined, limit = 64 * 1024) {
  let text = '';
  stream?.setEncoding?.('utf8');
  stream?.on('data', (chunk: string) => {
    text = (text + chunk).slice(-limit);
  });
  return () => text;
}

/** The command line of an instance on `url` (for tests that spawn one with another client). */
export const instanceArgs = (url: string, extra: string[] = []) => [cliPath, '--database-url', url, ...extra];
const instanceEnv = (level: string, env: Record<string, string>) => ({ ...process.env, CONTROL_PLANE_LOG_LEVEL: level, ...env }) as Record<string, string>;

export interface Instance {
  /** 0, 1, 2...: its place in the cluster (A, B, C). */
  index: number;
  transport: InstanceTransport;
  pid: number;
  /** --http: the base URL (http://127.0.0.1:port). */
  url: string | null;
  /** Its own MCP client: over its pipe (stdio), or a first HTTP client. */
  call: ReturnType<typeof callers>['call'];
  fail: ReturnType<typeof callers>['fail'];
  client: ReturnType<typeof clientFor>;
  /** Another HTTP client of this instance (--http only), in an era. */
  connect(era?: Era): ReturnType<typeof httpClient>;
  /** What it wrote to stderr lately. */
  stderr(): string;
  /** SIGKILL: no clean-up of any kind, as a crashed machine. Resolves once the process is gone. */
  kill(): Promise<void>;
  close(): Promise<void>;
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
  });

async function stdioInstance(index: number, url: string, era: Era, env: Record<string, string>): Promise<Instance> {
  const transport = new StdioClientTransport({ command: process.execPath, args: instanceArgs(url), stderr: 'pipe', env: instanceEnv('warn', env) });
  const stderr = tail(transport.stderr as NodeJS.ReadableStream | null);
  const client = clientFor(era, `instance-${index}`);
  await client.connect(transport);
  const pid = transport.pid!;
  let gone = false;
  return {
    index, transport: 'stdio', pid, url: null, client, ...callers(client), stderr,
    connect: () => Promise.reject(new Error('a stdio instance has one client')),
    async kill() {
      gone = true;
      process.kill(pid, 'SIGKILL');
      await client.close().catch(() => {});
    },
    async close() {
      if (!gone) await client.close().catch(() => {});
    },
  };
}

async function httpInstance(index: number, url: string, era: Era, env: Record<string, string>): Promise<Instance> {
  // Info level: the "serving HTTP" line says the port it picked.
  const child = spawn(process.execPath, instanceArgs(url, ['--http', '--port', '0', '--no-auth']), { stdio: ['ignore', 'ignore', 'pipe'], env: instanceEnv('info', env) });
  const stderr = tail(child.stderr);
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`instance ${index}: no "serving HTTP" line: ${stderr()}`)), 30_000);
    child.stderr!.on('data', () => {
      const line = stderr().split('\n').find((l) => l.includes('"serving HTTP"'));
      if (!line) return;
      clearTimeout(timer);
      resolve(JSON.parse(line).url);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`instance ${index} exited with ${code}: ${stderr()}`));
    });
  });
  const clients: Awaited<ReturnType<typeof httpClient>>[] = [];
  const connect = async (clientEra: Era = era) => {
    const c = await httpClient(base, null, clientEra);
    clients.push(c);
    return c;
  };
  const first = await connect();
  return {
    index, transport: 'http', pid: child.pid!, url: base, client: first.client, call: first.call, fail: first.fail, connect, stderr,
    async kill() {
      child.kill('SIGKILL');
      await exited(child);
      await Promise.all(clients.map((c) => c.close().catch(() => {})));
    },
    async close() {
      await Promise.all(clients.map((c) => c.close().catch(() => {})));
      child.kill('SIGTERM');
      await exited(child);
    },
  };
}

export interface Cluster {
  postgres: TestPostgres;
  /** The database every instance serves. */
  url: string;
  instances: Instance[];
  /** A query on the database, as the test (not through any instance). */
  sql<T = any>(text: string, values?: unknown[]): Promise<T[]>;
  /** Starts one more instance on the same database. */
  add(transport: InstanceTransport, options?: { era?: Era; env?: Record<string, string> }): Promise<Instance>;
  close(): Promise<void>;
}

/**
 * Starts PostgreSQL (or uses DATABASE_URL), makes a database, and starts one instance per entry of
 * `transports`, all at once (so the migrations race under their lock as they would in a fleet). `era`: of
 * each instance's own client (default 2026-07-28).
 */
export async function startCluster(transports: InstanceTransport[], options: { era?: Era; env?: Record<string, string> } = {}): Promise<Cluster> {
  const postgres = await startPostgres();
  const url = await postgres.createDatabase();
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on('error', () => {});
  const instances: Instance[] = [];
  const start = (transport: InstanceTransport, index: number, o: { era?: Era; env?: Record<string, string> } = {}) =>
    (transport === 'stdio' ? stdioInstance : httpInstance)(index, url, o.era ?? options.era ?? 'modern', { ...options.env, ...o.env });
  const cluster: Cluster = {
    postgres,
    url,
    instances,
    sql: async (text, values) => (await pool.query(text, values as unknown[])).rows,
    async add(transport, o) {
      const instance = await start(transport, instances.length, o);
      instances.push(instance);
      return instance;
    },
    async close() {
      await Promise.all(instances.map((i) => i.close().catch(() => {})));
      await pool.end().catch(() => {});
      await postgres.stop();
    },
  };
  try {
    const started = await Promise.allSettled(transports.map((t, i) => start(t, i)));
    for (const s of started) if (s.status === 'fulfilled') instances.push(s.value);
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  } catch (error) {
    await cluster.close();
    throw error;
  }
  return cluster;
}

/** Polls `check` until it holds or `ms` pass; returns whether it held. */
export async function until(check: () => boolean | Promise<boolean>, ms = 10_000, everyMs = 50): Promise<boolean> {
  const start = Date.now();
  for (;;) {
    if (await check()) return true;
    if (Date.now() - start > ms) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Instance names in messages: A, B, C... */
export const nameOf = (i: number) => String.fromCharCode(65 + i);
