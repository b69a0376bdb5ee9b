import type Database from 'better-sqlite3';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import type { Announcement, Step, Store, Tx, Work } from '../../domain/store.js';
import { changes } from '../schema.js';
import { auditRepo } from './repos/audit.js';
import { commentRepo } from './repos/comments.js';
import { directiveRepo } from './repos/directives.js';
import { ledgerRepo } from './repos/ledger.js';
import { proposalRepo } from './repos/proposals.js';
import { missionRepo } from './repos/missions.js';
import { nodeRepo } from './repos/nodes.js';
import { realmDataRepo } from './repos/realm-data.js';
import { realmRepo } from './repos/realms.js';

/** Runs a unit of work whose steps never yield: SQLite statements are synchronous. */
function runToEnd<T>(steps: Step<T>): T {
  const next = steps.next();
  if (!next.done) throw new Error('a SQLite unit of work yielded: its steps must be synchronous');
  return next.value;
}

/**
 * The SQLite store: one better-sqlite3 connection. A write is one IMMEDIATE transaction (so concurrent writers
 * in other processes queue on the busy timeout instead of failing to upgrade a read lock), and it writes the
 * change feed rows in the same transaction.
 */
export class SqliteStore implements Store {
  private readonly tx: Tx;
  private pending: Announcement[] | null = null;
  private readonly listeners = new Set<(announcements: Announcement[]) => void>();
  private readonly writeChange;

  constructor(
    readonly db: Database.Database,
    private readonly onListenerError: (error: unknown) => void = () => {},
  ) {
    const orm = drizzle(db);
    this.writeChange = orm.insert(changes).values({ realmId: sql.placeholder('realmId'), topic: sql.placeholder('topic'), payload: sql.placeholder('payload') }).prepare();
    this.tx = {
      realms: realmRepo(orm),
      nodes: nodeRepo(orm),
      directives: directiveRepo(orm),
      missions: missionRepo(orm),
      comments: commentRepo(orm),
      audit: auditRepo(orm),
      ledger: ledgerRepo(orm),
      proposals: proposalRepo(orm),
      realmData: realmDataRepo(orm),
      announce: (a) => {
        if (!this.pending) throw new Error('announce() outside a write');
        this.pending.push(a);
      },
    };
  }

  write<T>(work: Work<T>): Promise<T> {
    const announced: Announcement[] = [];
    let value: T;
    try {
      value = this.db
        .transaction(() => {
          this.pending = announced;
          const result = runToEnd(work(this.tx));
          for (const a of announced) {
            this.writeChange.run({ realmId: a.realmId, topic: a.topic, payload: JSON.stringify(a.payload) });
          }
          return result;
        })
        .immediate();
    } catch (error) {
      return Promise.reject(error);
    } finally {
      this.pending = null;
    }
    // The write has committed: a failing listener must not turn it into an error for the caller.
    if (announced.length) {
      for (const listener of this.listeners) {
        try {
          listener(announced);
        } catch (error) {
          this.onListenerError(error);
        }
      }
    }
    return Promise.resolve(value);
  }

  read<T>(work: Work<T>): Promise<T> {
    try {
      // A deferred transaction: every statement of the unit of work sees the same snapshot.
      return Promise.resolve(this.db.transaction(() => runToEnd(work(this.tx))).deferred());
    } catch (error) {
      return Promise.reject(error);
    }
  }

  onCommit(listener: (announcements: Announcement[]) => void) {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  close() {
    if (this.db.open) this.db.close();
  }
}
