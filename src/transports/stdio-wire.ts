import {
  ProtocolErrorCode,
  type JSONRPCMessage,
  type RequestId,
  type Transport,
} from '@modelcontextprotocol/server';
import type { Logger } from 'pino';
import type { Registry } from '../tools/registry.js';
import { parseLine, protocolError, readableProtocolError, type WatchCheck } from './jsonrpc-guard.js';
import { MAX_MESSAGE_BYTES } from '../limits.js';
import { messageJson } from '../tools/serialised.js';
import { TurnGate } from '../event-loop-turn.js';

export interface StdioWireOptions {
  registry: Registry;
  logger: Logger;
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
  maxMessageBytes?: number;
  /** Which URIs the session's principal may watch (2026 listen streams). */
  mayWatch?: WatchCheck;
}

const NEWLINE = 0x0a;
const idKey = (id: RequestId) => `${typeof id}:${id}`;

// Where a request id sits in a message we could not read whole: SDK clients write it last, others first.
const trailingId = /"id"\s*:\s*(-?\d+|"(?:[^"\\]|\\.){0,256}")\s*\}\s*$/;
const leadingId = /^\s*\{\s*(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?"id"\s*:\s*(-?\d+|"(?:[^"\\]|\\.){0,256}")/;

function guessId(head: string, tail: string): RequestId | null {
  const match = trailingId.exec(tail) ?? leadingId.exec(head);
  if (!match) return null;
  try {
    return JSON.parse(match[1]!) as RequestId;
  } catch {
    return null;
  }
}

/**
 * The stdio side of a connection: newline-delimited JSON-RPC on stdin/stdout, handed to the SDK's serveStdio.
 * Unlike the SDK's own stdio transport it answers what it cannot deliver (invalid JSON, a wrong jsonrpc
 * version, a message over the size limit, arguments nested too deep), keeps track of every request not yet
 * answered so that a shutdown can answer them all first, and tells its owner when stdin ends or stdout is gone
 * instead of closing on its own.
 */
export class StdioWire implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  /** stdin ended (or failed): no more requests will come. */
  onInputEnd?: () => void;
  /** stdout is gone (EPIPE, closed): nothing more can be answered. */
  onOutputGone?: (error: Error) => void;

  private readonly input: NodeJS.ReadableStream;
  private readonly output: NodeJS.WritableStream;
  private readonly maxMessageBytes: number;
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Set while skipping the rest of an oversized line: its first and last bytes, to find its id. */
  private oversized: { head: string; tail: Buffer; bytes: number } | null = null;
  private readonly pending = new Map<string, { id: RequestId; count: number }>();
  private idleWaiters: (() => void)[] = [];
  private writing = 0;
  /** Lines waiting to leave together in one write, and who waits for each. */
  private outbox: string[] = [];
  private outboxSettlers: ((error: Error | null) => void)[] = [];
  private outboxScheduled = false;
  private readonly turn = new TurnGate();
  private flushWaiters: (() => void)[] = [];
  private reading = false;
  private inputEnded = false;
  private outputGone = false;
  private closed = false;

  constructor(private readonly options: StdioWireOptions) {
    this.input = options.input ?? process.stdin;
    this.output = options.output ?? process.stdout;
    this.maxMessageBytes = options.maxMessageBytes ?? MAX_MESSAGE_BYTES;
  }

  async start() {
    this.reading = true;
    this.input.on('data', this.onData);
    this.input.on('end', this.onEnd);
    this.input.on('close', this.onEnd);
    this.input.on('error', this.onInputError);
    this.output.on('error', this.onOutputError);
    this.output.on('close', this.onOutputClose);
  }

  /** Requests read but not yet answered. */
  get unanswered(): number {
    let n = 0;
    for (const p of this.pending.values()) n += p.count;
    return n;
  }

  /** Stops reading stdin: a shutdown answers what it has read and takes nothing more. */
  stopReading() {
    if (!this.reading) return;
    this.reading = false;
    this.input.off('data', this.onData);
    this.input.pause();
  }

  /** Resolves true once every request read has been answered, or false after `timeoutMs`. */
  whenAnswered(timeoutMs: number): Promise<boolean> {
    if (this.pending.size === 0 || this.outputGone) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs);
      this.idleWaiters.push(waiter);
    });
  }

  /** Answers every request still open with an error (the last step of a shutdown that ran out of time). */
  async answerRemaining(message: string) {
    const writes: Promise<void>[] = [];
    for (const { id, count } of [...this.pending.values()]) {
      for (let i = 0; i < count; i++) writes.push(this.send(protocolError(id, ProtocolErrorCode.InternalError, message)).catch(() => {}));
    }
    await Promise.all(writes);
  }

  send(message: JSONRPCMessage): Promise<void> {
    if ('id' in message && ('result' in message || 'error' in message) && message.id !== undefined && message.id !== null) this.settle(message.id);
    if (this.outputGone) return Promise.reject(new Error('stdout is closed'));
    const line = `${messageJson(readableProtocolError(message))}\n`;
    this.writing++;
    return new Promise((resolve, reject) => {
      this.outbox.push(line);
      this.outboxSettlers.push((error) => (error ? reject(error) : resolve()));
      // The first answer of an event-loop turn goes out at once (no added latency one call at a time); the ones
      // that follow in the same turn (a group commit answers many together) leave in one write at its end.
      if (this.outboxScheduled) return;
      if (this.turn.first()) return this.writeOutbox();
      this.outboxScheduled = true;
      setImmediate(this.writeOutbox);
    });
  }

  private readonly writeOutbox = () => {
    this.outboxScheduled = false;
    const lines = this.outbox;
    const settlers = this.outboxSettlers;
    this.outbox = [];
    this.outboxSettlers = [];
    const written = (settle: (error: Error | null) => void) => (error?: Error | null) => {
      if (--this.writing === 0) this.flushWaiters.splice(0).forEach((w) => w());
      settle(error ?? null);
    };
    // Corked, the lines leave in one writev (one syscall) without being joined into one string first: a turn's
    // answers can add up to more than the longest string V8 allows.
    const stream = this.output as NodeJS.WritableStream & { cork?: () => void; uncork?: () => void };
    if (lines.length > 1) stream.cork?.();
    lines.forEach((line, i) => {
      try {
        stream.write(line, written(settlers[i]!));
      } catch (error) {
        written(settlers[i]!)(error as Error);
      }
    });
    if (lines.length > 1) stream.uncork?.();
  };

  /** Resolves once everything sent has reached the operating system (stdout is asynchronous on pipes). */
  flushed(timeoutMs = 2000): Promise<void> {
    if (this.writing === 0 || this.outputGone) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.flushWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async close() {
    if (this.closed) return;
    this.closed = true;
    this.stopReading();
    this.input.off('end', this.onEnd);
    this.input.off('close', this.onEnd);
    this.onclose?.();
  }

  private settle(id: RequestId) {
    const key = idKey(id);
    const entry = this.pending.get(key);
    if (!entry) return;
    if (--entry.count === 0) this.pending.delete(key);
    if (this.pending.size === 0) this.settleWaiters();
  }

  private track(id: RequestId) {
    const key = idKey(id);
    const entry = this.pending.get(key);
    if (entry) entry.count++;
    else this.pending.set(key, { id, count: 1 });
  }

  private readonly onData = (chunk: Buffer | string) => {
    const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    let start = 0;
    for (;;) {
      const newline = data.indexOf(NEWLINE, start);
      if (newline === -1) {
        this.keep(data.subarray(start));
        return;
      }
      this.endLine(data.subarray(start, newline));
      start = newline + 1;
      if (!this.reading) return; // a shutdown began while this chunk was read: the rest is not taken
    }
  };

  private keep(part: Buffer) {
    if (part.length === 0) return;
    if (this.oversized) {
      this.oversized.bytes += part.length;
      this.oversized.tail = Buffer.concat([this.oversized.tail, part]).subarray(-512);
      return;
    }
    if (this.buffered + part.length <= this.maxMessageBytes) {
      this.chunks.push(part);
      this.buffered += part.length;
      return;
    }
    const all = Buffer.concat([...this.chunks, part]);
    this.oversized = { head: all.subarray(0, 512).toString('utf8'), tail: all.subarray(-512), bytes: all.length };
    this.chunks = [];
    this.buffered = 0;
  }

  private endLine(part: Buffer) {
    if (this.oversized) {
      this.keep(part);
      const { head, tail, bytes } = this.oversized;
      this.oversized = null;
      this.refuseOversized(head, tail.toString('utf8'), bytes);
      return;
    }
    const line = this.chunks.length ? Buffer.concat([...this.chunks, part]).toString('utf8') : part.toString('utf8');
    this.chunks = [];
    this.buffered = 0;
    if (line.length + 1 > this.maxMessageBytes) {
      this.refuseOversized(line.slice(0, 512), line.slice(-512), Buffer.byteLength(line));
      return;
    }
    if (!line.trim()) return;
    const inbound = parseLine(line, this.options.registry, this.options.mayWatch);
    if ('deliver' in inbound) {
      const message = inbound.deliver;
      if ('method' in message && 'id' in message) this.track(message.id);
      this.onmessage?.(message);
      return;
    }
    this.options.logger.warn({ problem: inbound.problem }, 'refused an inbound message');
    if (inbound.reply) void this.send(inbound.reply).catch(() => {});
  }

  private refuseOversized(head: string, tail: string, bytes: number) {
    const id = guessId(head, tail.replace(/\r$/, ''));
    const limit = `${Math.round(this.maxMessageBytes / 1024 / 1024)} MiB`;
    this.options.logger.warn({ bytes, id }, 'refused a message over the size limit');
    const message = `Invalid Request: the message is ${bytes} bytes, over the ${limit} limit; send less at a time (realm_import can read its document from a file)`;
    void this.send(protocolError(id, ProtocolErrorCode.InvalidRequest, message, { bytes, maxBytes: this.maxMessageBytes })).catch(() => {});
  }

  private readonly onEnd = () => {
    if (this.inputEnded) return;
    this.inputEnded = true;
    // A line without its final newline is still a message.
    if (this.chunks.length || this.oversized) this.endLine(Buffer.alloc(0));
    this.onInputEnd?.();
  };

  private readonly onInputError = (error: Error) => {
    this.options.logger.warn({ err: error }, 'stdin failed');
    this.onEnd();
  };

  private readonly onOutputError = (error: Error) => this.gone(error);
  private readonly onOutputClose = () => this.gone(new Error('stdout closed'));

  private gone(error: Error) {
    if (this.outputGone) return;
    this.outputGone = true;
    this.stopReading();
    // Nothing can be answered any more: release whoever waits for answers.
    this.pending.clear();
    this.settleWaiters();
    this.flushWaiters.splice(0).forEach((w) => w());
    this.onOutputGone?.(error);
  }

  private settleWaiters() {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const waiter of waiters) waiter();
  }
}
