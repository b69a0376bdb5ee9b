import { spawn, type ChildProcessWithoutNullStreams, type SpawnOptions } from 'node:child_process';
import { cliPath } from './processes.js';

export type Message = { jsonrpc: '2.0'; text?: string; id?: string | number | null; method?: string; result?: any; error?: { code: number; message: string; data?: any } };

export const rpc = (id: number | string, method: string, params: Record<string, unknown> = {}) => JSON.stringify({ jsonrpc: '2.0', id, method, params });
export const initialize = (id: number | string = 0) =>
  `${rpc(id, 'initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } })}\n${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`;
export const toolCall = (id: number | string, name: string, args: Record<string, unknown>) => rpc(id, 'tools/call', { name, arguments: args });
/** The coded error inside a tool's error result. */
export const toolError = (m: Message | undefined) => (m?.result?.isError ? JSON.parse(m.result.content[0].text).error : null);

/**
 * The server binary on raw pipes, for what a well-behaved SDK client never sends: bytes in, parsed lines out.
 * `exited` resolves with the exit code and when it came.
 */
export function rawServer(args: string[], options: { env?: Record<string, string>; spawn?: SpawnOptions; obeyPermissions?: boolean } = {}) {
  // Root reads and writes whatever the file modes say; without these two capabilities it obeys them like anyone.
  const [command, prefix] = options.obeyPermissions && process.getuid?.() === 0
    ? ['setpriv', ['--bounding-set=-dac_override,-dac_read_search', '--', process.execPath]]
    : [process.execPath, []];
  const child = spawn(command, [...prefix, cliPath, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, CONTROL_PLANE_LOG_LEVEL: 'warn', ...options.env },
    ...options.spawn,
  }) as ChildProcessWithoutNullStreams;
  const messages: Message[] = [];
  let partial = '';
  let stderr = '';
  let stdout = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    stdout += chunk;
    partial += chunk;
    let newline;
    while ((newline = partial.indexOf('\n')) >= 0) {
      const line = partial.slice(0, newline);
      partial = partial.slice(newline + 1);
      // Not JSON is kept as text, for the test to see what else came out.
      if (line.trim()) messages.push(line.trim().startsWith('{') ? JSON.parse(line) : { jsonrpc: '2.0', text: line });
    }
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  // Writes after the server went away fail with EPIPE; the tests look at what the server did instead.
  child.stdin.on('error', () => {});
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve, reject) => {
    child.on('exit', (code, signal) => resolve({ code, signal, at: Date.now() }));
    // A process that could not start (say, a Node binary the other user may not run) never exits.
    child.on('error', reject);
  });
  const answer = (id: number | string) => messages.find((m) => m.id === id && !m.method);
  return {
    child,
    messages,
    exited,
    get stderr() {
      return stderr;
    },
    get stdout() {
      return stdout;
    },
    answer,
    write: (text: string) => child.stdin.write(text.endsWith('\n') ? text : `${text}\n`),
    end: (text = '') => child.stdin.end(text),
    /** Waits for the answer to request `id`. */
    async waitFor(id: number | string, ms = 10_000): Promise<Message> {
      const start = Date.now();
      for (;;) {
        const found = answer(id);
        if (found) return found;
        if (Date.now() - start > ms) throw new Error(`no answer to ${id} within ${ms} ms; stderr: ${stderr.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
}
