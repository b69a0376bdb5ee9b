// process and custom: command + args + the context as one final JSON argument. Over 100 KiB (Linux caps one
// argument at 128 KiB) the argument is the path of a 0600 temp file, also given as CONTROL_PLANE_CONTEXT_FILE.
// The prompt, if any, arrives on stdin. output is stdout; the tail of stderr is the error.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProcess } from '../process-group.js';
import type { Adapter } from '../types.js';
import { emptyOutcome, errorLine, statusOf, stderrTail, timedOut, unreachable } from './common.js';

export const CONTEXT_ARG_LIMIT = 100 * 1024;

export const processAdapter: Adapter = {
  async execute(request) {
    const context = JSON.stringify(request.context);
    let tempDir: string | null = null;
    let contextArg = context;
    const env = { ...request.env };
    if (Buffer.byteLength(context) > CONTEXT_ARG_LIMIT) {
      tempDir = mkdtempSync(join(tmpdir(), 'cp-context-'));
      contextArg = join(tempDir, 'context.json');
      writeFileSync(contextArg, context, { mode: 0o600 });
      env.CONTROL_PLANE_CONTEXT_FILE = contextArg;
    }
    try {
      const proc = await runProcess({
        command: request.runtime.command!,
        args: [...request.runtime.args, contextArg],
        cwd: request.runtime.workDir ?? undefined,
        env,
        marker: request.marker,
        ...(request.prompt !== null ? { stdin: request.prompt } : {}),
        timeoutMs: request.timeoutMs,
        graceMs: request.graceMs,
        signal: request.signal,
        onSpawn: request.onSpawn,
        onOutput: request.onOutput,
      });
      const ok = proc.exitCode === 0 && !proc.spawnError;
      return {
        ...emptyOutcome(proc),
        status: statusOf(proc, ok),
        output: proc.stdout,
        error: ok
          ? null
          : proc.timedOut
            ? timedOut(request.timeoutMs, errorLine(proc.stderr))
            : (unreachable(proc.spawnError) ?? stderrTail(proc.stderr) ?? (proc.signal ? `killed by ${proc.signal}` : `exited with code ${proc.exitCode}`)),
        sessionId: null,
        usage: null,
        usageSnapshot: null,
        costUsd: null,
        provider: null,
        model: request.model,
        unknownSession: false,
        permissionDenials: null,
      };
    } finally {
      if (tempDir) rmSync(tempDir, { recursive: true, force: true });
    }
  },
};
