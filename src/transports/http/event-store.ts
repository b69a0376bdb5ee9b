import type { EventId, EventStore, JSONRPCMessage, StreamId } from '@modelcontextprotocol/server';

/**
 * The recent messages of one 2025-11-25 session's SSE streams, so that a client that lost its stream reconnects
 * with Last-Event-ID and misses nothing (up to `keep` messages back).
 */
export function sessionEventStore(keep = 1000): EventStore {
  const events: { id: EventId; streamId: StreamId; message: JSONRPCMessage }[] = [];
  let next = 0;
  return {
    async storeEvent(streamId, message) {
      // Zero-padded so that ids sort as they were made.
      const id = `${streamId}:${String(next++).padStart(12, '0')}`;
      events.push({ id, streamId, message });
      if (events.length > keep) events.splice(0, events.length - keep);
      return id;
    },
    async getStreamIdForEventId(eventId) {
      return events.find((e) => e.id === eventId)?.streamId;
    },
    async replayEventsAfter(lastEventId, { send }) {
      const streamId = lastEventId.slice(0, lastEventId.lastIndexOf(':'));
      for (const e of events) if (e.streamId === streamId && e.id > lastEventId) await send(e.id, e.message);
      return streamId;
    },
  };
}
