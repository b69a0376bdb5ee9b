// The live stream: /api/events read with fetch, because EventSource cannot send the Authorization header and
// a token in the URL would end up in logs and history. It reconnects by itself (the server restarting, a
// network blip), and after a reconnect every view reads again, since changes may have been missed.
import { authHeaders } from './api.js';
import { bumpAll, connected, me, realmId, signOut, token, version, type Me } from './state.js';

export interface Change {
  topic: string;
  realmId: string | null;
  payload: Record<string, unknown>;
}

const listeners = new Set<(change: Change) => void>();
export const onChange = (listener: (change: Change) => void) => (listeners.add(listener), () => void listeners.delete(listener));

let controller: AbortController | null = null;

function dispatch(event: string, data: string) {
  if (event === 'ready') {
    me.value = JSON.parse(data) as Me;
    return;
  }
  if (event !== 'change') return;
  const change = JSON.parse(data) as Change;
  if (change.topic !== 'realm.lifecycle' && change.realmId !== null && change.realmId !== realmId.value) return;
  if (change.topic === 'store.resync') return bumpAll();
  version(change.topic).value++;
  for (const listener of listeners) listener(change);
}

async function readStream(signal: AbortSignal): Promise<number> {
  const response = await fetch('/api/events', { headers: { ...authHeaders(), accept: 'text/event-stream' }, signal });
  if (response.status === 401) {
    const body = await response.json().catch(() => null);
    signOut(body?.error?.message ?? 'the token was refused');
    return -1;
  }
  if (!response.ok || !response.body) return 1000;
  connected.value = true;
  bumpAll();
  let retry = 1000;
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of frame.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
        else if (line.startsWith('retry: ')) retry = Number(line.slice(7)) || retry;
      }
      if (data.length) dispatch(event, data.join('\n'));
    }
  }
  return retry;
}

/**
 * Keeps one stream open while signed in; returns a function that closes it. The server sends an operator or an
 * agent its realm's changes only; an admin hears every realm's (so that the realm picker learns of new realms)
 * and the page keeps those of the realm shown.
 */
export function connect(): () => void {
  controller?.abort();
  const own = (controller = new AbortController());
  void (async () => {
    let delay = 500;
    while (!own.signal.aborted && (token.value || !authHeaders().authorization)) {
      let retry = 1000;
      try {
        retry = await readStream(own.signal);
        if (retry < 0) return;
        delay = 500;
      } catch {
        // The server is gone (restarting?): try again, backing off up to 5 s.
      }
      connected.value = false;
      if (own.signal.aborted) return;
      await new Promise((resolve) => setTimeout(resolve, Math.max(retry, delay)));
      delay = Math.min(delay * 2, 5000);
    }
  })();
  return () => own.abort();
}
