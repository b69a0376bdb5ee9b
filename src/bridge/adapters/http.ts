// http: POST {runId, agentId, realmId, missionId, context, prompt} as JSON with the runtime's headers; a timeout or
// a cancel aborts the request. 2xx is completed with the body as output; anything else failed with "HTTP <status>".
import { timedOut, unreachable } from './common.js';
import type { Adapter, RunOutcome } from '../types.js';
import { MAX_STREAM_BYTES } from '../process-group.js';

const outcome = (status: RunOutcome['status'], fields: Partial<RunOutcome>): RunOutcome => ({
  status,
  exitCode: null,
  signal: null,
  output: null,
  outputTruncated: false,
  error: null,
  stderrTruncated: false,
  sessionId: null,
  usage: null,
  usageSnapshot: null,
  costUsd: null,
  provider: null,
  model: null,
  unknownSession: false,
  permissionDenials: null,
  leftovers: 0,
  ...fields,
});

export const httpAdapter: Adapter = {
  async execute(request) {
    const timeout = AbortSignal.timeout(request.timeoutMs);
    const signal = AbortSignal.any([timeout, request.signal]);
    try {
      const response = await fetch(request.runtime.url!, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...request.headers },
        body: JSON.stringify({ runId: request.runId, agentId: request.agentId, realmId: request.realmId, missionId: request.missionId, context: request.context, prompt: request.prompt }),
        signal,
      });
      const body = await response.text();
      const truncated = Buffer.byteLength(body) > MAX_STREAM_BYTES;
      const output = truncated ? Buffer.from(body).subarray(0, MAX_STREAM_BYTES).toString('utf8') : body;
      return response.ok
        ? outcome('completed', { output, outputTruncated: truncated, model: request.model })
        : outcome('failed', { output, outputTruncated: truncated, error: `HTTP ${response.status}`, model: request.model });
    } catch (error) {
      if (request.signal.aborted) return outcome('cancelled', { error: 'cancelled' });
      if (timeout.aborted) return outcome('timed_out', { error: timedOut(request.timeoutMs, 'no answer yet') });
      return outcome('failed', { error: unreachable(`request failed: ${(error as Error).message}`) });
    }
  },
};
