// How the PostgreSQL store tells other instances what it committed: the announcements of a unit of work go
// out as NOTIFY on one channel, from inside its transaction, so PostgreSQL delivers them exactly when (and
// only if) it commits. Each instance LISTENs on one dedicated connection (never a pooled one: a pooled
// connection is handed to other work, and a transaction-mode pooler would drop the LISTEN) and skips its own
// notifications. NOTIFY is a wake-up hint, not a log: a notification sent while an instance was disconnected
// is lost to it, so after every reconnect the instance is told to re-sync (a `store.resync` announcement).
import pg from 'pg';
import type { Announcement, Step } from '../../domain/store.js';
import { q, type PgDb } from './repos/shared.js';
import { changes } from './schema.js';

export const CHANNEL = 'control_plane_changes';

/** PostgreSQL refuses a NOTIFY payload of 8000 bytes or more. */
export const MAX_NOTIFY_BYTES = 7999;

/**
 * The announcement a listener gets when notifications may have been missed (after the LISTEN connection was
 * lost and restored, or when a change could not be read back): whatever it caches, it should read again.
 */
export const RESYNC_TOPIC = 'store.resync';
export const resync = (reason: 'reconnected' | 'unreadable'): Announcement => ({ topic: RESYNC_TOPIC, realmId: null, payload: { reason }, committedAt: new Date().toISOString() });

type Wire = Pick<Announcement, 'topic' | 'realmId' | 'payload'>;

/**
 * One notification. `o`: the sending instance (its listener skips it); `t`: when it was sent, just before
 * COMMIT (committedAt for the receivers). Either `a`, the announcements themselves, or `c`, ranges of
 * `changes.ord` to read them from (when they do not fit in a notification).
 */
interface Notice {
  o: string;
  t: string;
  a?: Wire[];
  c?: [number, number][];
}

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

/** Consecutive numbers as [first, last] ranges: one multi-row INSERT usually takes one run of the sequence. */
export function toRanges(ords: number[]): [number, number][] {
  const ranges: [number, number][] = [];
  for (const ord of [...ords].sort((a, b) => a - b)) {
    const last = ranges.at(-1);
    if (last && ord === last[1] + 1) last[1] = ord;
    else ranges.push([ord, ord]);
  }
  return ranges;
}

/** Ranges per notification when they are many (each range takes at most 40 bytes of JSON). */
const RANGES_PER_NOTICE = 150;

/**
 * The last step of a unit of work that announced something: the notifications to send at its COMMIT. One
 * holding the announcements, or, when they do not fit, the announcements written to `changes` and a
 * notification (rarely several) of where to read them.
 */
export function* noticesFor(db: PgDb, origin: string, announced: Announcement[]): Step<string[]> {
  if (announced.length === 0) return [];
  const t = new Date().toISOString();
  const a = announced.map(({ topic, realmId, payload }) => ({ topic, realmId, payload }));
  const inline = JSON.stringify({ o: origin, t, a } satisfies Notice);
  if (bytes(inline) <= MAX_NOTIFY_BYTES) return [inline];
  const rows = yield* q(
    db
      .insert(changes)
      .values(a.map((x) => ({ realmId: x.realmId, origin, topic: x.topic, payload: JSON.stringify(x.payload) })))
      .returning({ ord: changes.ord }),
  );
  const ranges = toRanges(rows.map((r) => r.ord));
  const notices: string[] = [];
  for (let i = 0; i < ranges.length; i += RANGES_PER_NOTICE) notices.push(JSON.stringify({ o: origin, t, c: ranges.slice(i, i + RANGES_PER_NOTICE) } satisfies Notice));
  return notices;
}

/**
 * COMMIT with the NOTIFYs in front, as one simple query: the notifications cost no round trip of their
 * own. PostgreSQL delivers them when the COMMIT succeeds, in the order sent; if one fails, nothing after it
 * runs and the transaction is rolled back.
 */
export const commitWith = (notices: string[], literal: (text: string) => string) =>
  notices.length === 0 ? 'COMMIT' : `${notices.map((n) => `SELECT pg_notify('${CHANNEL}', ${literal(n)});`).join(' ')} COMMIT`;

export interface FeedOptions {
  /** Wait before the first reconnect after a drop; doubled after each failed attempt, up to reconnectMaxMs. */
  reconnectMinMs: number;
  reconnectMaxMs: number;
  /** How often the LISTEN connection is checked with a query (a half-open TCP connection would stay silent). */
  pingMs: number;
  /** How long rows written to `changes` (announcements too big to notify) are kept for their readers. */
  keepChangesMs: number;
}

export const feedDefaults: FeedOptions = { reconnectMinMs: 100, reconnectMaxMs: 5_000, pingMs: 15_000, keepChangesMs: 10 * 60_000 };

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * The LISTEN side: one dedicated connection, re-opened with backoff whenever it is lost, delivering other
 * instances' announcements in commit order (a notification whose announcements are read back from `changes`
 * holds back the ones after it).
 */
export class ChangeFeed {
  private client: pg.Client | null = null;
  private stopped = false;
  private connecting: Promise<void> | null = null;
  private everConnected = false;
  private failures = 0;
  private queue: Promise<void> = Promise.resolve();
  private waiting: (() => void)[] = [];
  private readonly timer: NodeJS.Timeout;
  private lastPrune = 0;
  /** The connection being opened, and the end of the pause between attempts: stop() cuts both short. */
  private opening: pg.Client | null = null;
  private wake: (() => void) | null = null;

  constructor(
    private readonly config: pg.ClientConfig,
    /** For reading back announcements from `changes`, and pruning it. */
    private readonly pool: pg.Pool,
    private readonly origin: string,
    private readonly deliver: (announcements: Announcement[]) => void,
    private readonly onError: (error: unknown) => void,
    private readonly options: FeedOptions = feedDefaults,
  ) {
    this.connect();
    this.timer = setInterval(() => this.tick(), options.pingMs);
    // The feed must not keep a finished process alive.
    this.timer.unref();
  }

  /** Resolves once a LISTEN is in place (at once if it is): what is committed from then on is delivered. */
  listening(): Promise<void> {
    if (this.client || this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** The backend pid of the LISTEN connection (for operators and tests), null while disconnected. */
  get backendPid(): number | null {
    return (this.client as unknown as { processID?: number } | null)?.processID ?? null;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    for (const resolve of this.waiting.splice(0)) resolve();
    const client = this.client;
    this.client = null;
    this.wake?.();
    void this.opening?.end().catch(() => {});
    await this.connecting?.catch(() => {});
    await client?.end().catch(() => {});
    await this.queue;
  }

  private connect() {
    if (this.stopped || this.connecting) return;
    this.connecting = this.open().finally(() => (this.connecting = null));
  }

  private async open() {
    while (!this.stopped) {
      const client = (this.opening = new pg.Client(this.config));
      client.on('error', (error) => this.drop(client, error));
      client.on('end', () => this.drop(client, null));
      client.on('notification', (n) => {
        if (n.channel === CHANNEL) this.receive(n.payload);
      });
      try {
        await client.connect();
        await client.query(`LISTEN ${CHANNEL}`);
      } catch (error) {
        await client.end().catch(() => {});
        this.opening = null;
        if (this.stopped) return;
        this.onError(error);
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          setTimeout(resolve, Math.min(this.options.reconnectMaxMs, this.options.reconnectMinMs * 2 ** this.failures++)).unref();
        });
        this.wake = null;
        continue;
      }
      this.opening = null;
      if (this.stopped) {
        await client.end().catch(() => {});
        return;
      }
      this.client = client;
      this.failures = 0;
      for (const resolve of this.waiting.splice(0)) resolve();
      // Whatever was committed while no LISTEN was in place was not delivered: the listener reads again.
      // Sent only now, so that every commit after the re-read is notified.
      if (this.everConnected) this.enqueue(() => [resync('reconnected')]);
      this.everConnected = true;
      return;
    }
  }

  /** The connection was lost (server restart, pg_terminate_backend, network): open another after a pause. */
  private drop(client: pg.Client, error: Error | null) {
    if (client !== this.client) return;
    this.client = null;
    if (error) this.onError(error);
    client.end().catch(() => {});
    if (this.stopped) return;
    void sleep(this.options.reconnectMinMs).then(() => this.connect());
  }

  private receive(text: string | undefined) {
    let notice: Notice;
    try {
      notice = JSON.parse(text ?? '') as Notice;
    } catch (error) {
      this.onError(error);
      return;
    }
    if (notice.o === this.origin) return;
    const stamp = (list: Wire[]) => list.map((a) => ({ ...a, committedAt: notice.t }));
    if (notice.a) this.enqueue(() => stamp(notice.a!));
    else if (notice.c) this.enqueue(async () => stamp(await this.readBack(notice.c!)));
  }

  private async readBack(ranges: [number, number][]): Promise<Wire[]> {
    const { rows } = await this.pool.query<{ realm_id: string | null; topic: string; payload: string }>(
      'SELECT c.realm_id, c.topic, c.payload FROM changes c JOIN unnest($1::bigint[], $2::bigint[]) AS r(lo, hi) ON c.ord BETWEEN r.lo AND r.hi ORDER BY c.ord',
      [ranges.map((r) => r[0]), ranges.map((r) => r[1])],
    );
    const count = ranges.reduce((n, [lo, hi]) => n + hi - lo + 1, 0);
    // Pruned before it was read (a reader more than keepChangesMs behind): say so rather than deliver part.
    if (rows.length !== count) throw new Error(`${count - rows.length} of ${count} announced changes were no longer in the changes table`);
    return rows.map((r) => ({ topic: r.topic, realmId: r.realm_id, payload: JSON.parse(r.payload) as Record<string, unknown> }));
  }

  /** Deliveries run one after another, in the order the notifications arrived (commit order). */
  private enqueue(get: () => Announcement[] | Promise<Announcement[]>) {
    this.queue = this.queue
      .then(get)
      .catch((error: unknown) => {
        this.onError(error);
        return [resync('unreadable')];
      })
      .then((list) => {
        if (list.length && !this.stopped) this.deliver(list);
      });
  }

  private tick() {
    const client = this.client;
    if (client) {
      // A connection that no longer answers is dropped (and re-opened) even if the socket never reports it.
      let answered = false;
      const timeout = setTimeout(() => !answered && this.drop(client, new Error(`the LISTEN connection did not answer within ${this.options.pingMs} ms`)), this.options.pingMs);
      timeout.unref();
      client.query('SELECT 1').then(
        () => {
          answered = true;
          clearTimeout(timeout);
        },
        (error: unknown) => {
          clearTimeout(timeout);
          this.drop(client, error as Error);
        },
      );
    }
    if (Date.now() - this.lastPrune >= this.options.keepChangesMs / 10 && !this.pool.ending) {
      this.lastPrune = Date.now();
      const cutoff = new Date(Date.now() - this.options.keepChangesMs).toISOString();
      this.pool.query('DELETE FROM changes WHERE created_at < $1', [cutoff]).catch((error: unknown) => this.onError(error));
    }
  }
}
