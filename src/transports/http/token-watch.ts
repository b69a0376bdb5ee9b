import type { ServerResponse } from 'node:http';

/** How often the token behind each open update stream is authenticated again. */
export const REAUTH_MS = 5_000;

/**
 * Update streams (a 2025-11-25 session's GET stream, a 2026-07-28 subscriptions/listen, the dashboard's
 * /api/events) carry updates after the request that opened them was authenticated. Each is checked again
 * every `intervalMs` while it is open, and ended once its token is refused (revoked, expired, its realm
 * deleted): a new request with that token is refused anyway, and without this a revoked token kept hearing
 * its realm's updates for as long as its stream stayed open. The answer to a call (REST, or a tools/call
 * answered as an event stream) is not watched: it tells of a call its token was allowed to make, and cutting
 * it lost the run id of a run that went on. One timer serves them all, and runs only while some are open.
 */
export function tokenWatch(intervalMs = REAUTH_MS) {
  const open = new Map<ServerResponse, () => Promise<boolean>>();
  let timer: NodeJS.Timeout | null = null;

  const check = () => {
    for (const [res, stillAllowed] of open) {
      // An answer that cannot be had (the store failing) ends the stream too: it may not be allowed.
      stillAllowed().then(
        (allowed) => allowed || res.destroy(),
        () => res.destroy(),
      );
    }
  };

  return {
    /** Watches `res` until it closes. */
    watch(res: ServerResponse, stillAllowed: () => Promise<boolean>) {
      open.set(res, stillAllowed);
      timer ??= setInterval(check, intervalMs).unref();
      res.once('close', () => {
        open.delete(res);
        if (open.size === 0 && timer) {
          clearInterval(timer);
          timer = null;
        }
      });
    },
    close() {
      if (timer) clearInterval(timer);
      timer = null;
      open.clear();
    },
  };
}
