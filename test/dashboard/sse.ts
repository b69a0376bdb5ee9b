// Reads /api/events as the dashboard does (fetch, Authorization header) and keeps every event it got, so a test
// can wait for one.
export interface Frame {
  event: string;
  data: any;
}

export async function openStream(url: string, token: string | null, query = '') {
  const controller = new AbortController();
  const response = await fetch(`${url}/api/events${query}`, { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: controller.signal });
  const frames: Frame[] = [];
  let ended = false;
  const waiters = new Set<() => void>();
  if (response.ok && response.body) {
    void (async () => {
      const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const lines = buffer.slice(0, end).split('\n');
            buffer = buffer.slice(end + 2);
            const event = lines.find((l) => l.startsWith('event: '))?.slice(7);
            const data = lines.find((l) => l.startsWith('data: '))?.slice(6);
            if (event && data) frames.push({ event, data: JSON.parse(data) });
            waiters.forEach((w) => w());
          }
        }
      } catch {
        // aborted
      }
      ended = true;
      waiters.forEach((w) => w());
    })();
  }
  return {
    response,
    frames,
    get ended() {
      return ended;
    },
    changes: () => frames.filter((f) => f.event === 'change').map((f) => f.data),
    /** Resolves with the first frame that matches, failing after `ms`. */
    waitFor(match: (frame: Frame) => boolean, ms = 3000): Promise<Frame> {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = frames.find(match);
          if (found) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(found);
          } else if (ended) {
            waiters.delete(check);
            clearTimeout(timer);
            reject(new Error(`the stream ended; frames: ${JSON.stringify(frames)}`));
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching frame in ${ms} ms; frames: ${JSON.stringify(frames)}`));
        }, ms);
        waiters.add(check);
        check();
      });
    },
    /** Resolves when the stream ends, failing after `ms`. */
    waitEnd(ms = 3000): Promise<void> {
      return new Promise((resolve, reject) => {
        const check = () => ended && (waiters.delete(check), clearTimeout(timer), resolve());
        const timer = setTimeout(() => reject(new Error('the stream did not end')), ms);
        waiters.add(check);
        check();
      });
    },
    close: () => controller.abort(),
  };
}
