// The connection pool every PostgreSQL query goes through (migrations and LISTEN take their own dedicated
// connections). Each pooled connection carries timeouts, so a stuck statement or a lock wait fails with an
// error the caller sees instead of holding a connection forever.
import pg from 'pg';

export interface PoolOptions {
  /** Connections in the pool (node-postgres's default is 10). */
  max?: number;
  /** Longest a statement may run, in ms (0: no limit). */
  statementTimeoutMs?: number;
  /** Longest a statement waits for a row or table lock, in ms (0: no limit). */
  lockTimeoutMs?: number;
  /** Longest a transaction may sit idle (a client that forgot to commit), in ms: PostgreSQL then ends it. */
  idleInTransactionTimeoutMs?: number;
  /** Shown in pg_stat_activity: which instance holds which connection. */
  applicationName?: string;
}

export const poolDefaults = {
  max: 10,
  statementTimeoutMs: 30_000,
  lockTimeoutMs: 10_000,
  idleInTransactionTimeoutMs: 60_000,
  applicationName: 'control-plane-mcp',
} satisfies Required<PoolOptions>;

export function createPool(connectionString: string, options: PoolOptions = {}): pg.Pool {
  const o = { ...poolDefaults, ...options };
  const pool = new pg.Pool({
    connectionString,
    max: o.max,
    statement_timeout: o.statementTimeoutMs,
    lock_timeout: o.lockTimeoutMs,
    idle_in_transaction_session_timeout: o.idleInTransactionTimeoutMs,
    application_name: o.applicationName,
  });
  // An idle pooled connection that dies (server restart, network) emits 'error' on the pool; unhandled, that
  // would crash the process. The pool drops the connection and the next query opens a new one.
  pool.on('error', () => {});
  return pool;
}
