// EventStreams on a real HTTP server in this process, fed by a real EventBus: how a stream ends when the server
// stops and when its client does not read. (When its token is no longer accepted, the HTTP server cuts it:
// test/dashboard/server.test.ts.)
import { createServer, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { EventStreams, type StreamOptions } from '../../src/dashboard/events.js';
import { localAdmin } from '../../src/domain/principal.js';
import { EventBus, type BusMessage } from '../../src/events/bus.js';

const output = (text: string): BusMessage => ({ topic: 'bridge.run.output', realmId: null, payload: { runId: 'r', agentId: 'a', stream: 'stdout', text }, origin: 'local' });

let server: Server | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  sockets.forEach((s) => s.destroy());
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r) ?? r(undefined));
  server = undefined;
});

/** Serves /api/events to the local admin; keeps every response and the errors they emit. */
async function serving(options: StreamOptions = {}) {
  const bus = new EventBus(pino({ level: 'silent' }));
  const streams = new EventStreams({ bus }, options);
  const responses: ServerResponse[] = [];
  const errors: Error[] = [];
  server = createServer((req, res) => {
    responses.push(res);
    res.on('error', (error) => errors.push(error));
    streams.serve(req, res, new URL(req.url!, 'http://localhost'), localAdmin);
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { bus, streams, responses, errors, url: `http://127.0.0.1:${port}`, port };
}

/** A client that sends its request and then never reads. */
async function stalled(port: number, streams: EventStreams) {
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  socket.pause();
  socket.write('GET /api/events HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n');
  await expect.poll(() => streams.count).toBe(1);
  return socket;
}

describe('EventStreams', () => {
  it('writes nothing after close() ends a stream, even before the response reports closed', async () => {
    const { bus, streams, responses, errors, port } = await serving();
    await stalled(port, streams);
    streams.close();
    await bus.publish(output('after the end\n'));
    await new Promise((r) => setTimeout(r, 50));
    expect(errors).toEqual([]);
    expect(responses[0]!.writableEnded).toBe(true);
    expect(streams.count).toBe(0);
  });

  it('drops the stream of a client that does not read once 1 MiB waits unsent', async () => {
    const { bus, streams, responses, port } = await serving();
    await stalled(port, streams);
    const chunk = 'x'.repeat(8000);
    for (let i = 0; i < 4000 && !responses[0]!.destroyed; i++) await bus.publish(output(chunk)); // up to 32 MB
    expect(responses[0]!.destroyed).toBe(true);
    expect(responses[0]!.writableLength).toBeLessThanOrEqual(1024 * 1024 + 10_000);
    expect(streams.count).toBe(0);
  });
});
