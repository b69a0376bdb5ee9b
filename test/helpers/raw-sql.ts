// Raw SQL against the database an app's store runs on, whichever the engine: for tests that tamper with rows
// (the audit chain's tamper evidence, a process that died mid-call) or read rows no tool shows. On SQLite it is
// the store's own better-sqlite3 connection; on PostgreSQL a connection of the store's pool, with `?`
// placeholders rewritten to $1..$n. Rows come back as SQLite gives them, so that one assertion fits both:
// integers (bigint, count(*)) and numerics as numbers, JSON columns as their text, booleans as 1/0.
import pg from 'pg';
import type { App } from '../../src/app.js';
import { PgStore } from '../../src/db/pg/store.js';
import { SqliteStore } from '../../src/db/sqlite/store.js';
import type { Store } from '../../src/domain/store.js';

export type Row = Record<string, any>;

export interface RawSql {
  engine: 'sqlite' | 'postgres';
  all<T = Row>(sql: string, ...params: unknown[]): Promise<T[]>;
  get<T = Row>(sql: string, ...params: unknown[]): Promise<T | undefined>;
  /** `changes`: how many rows the statement wrote. */
  run(sql: string, ...params: unknown[]): Promise<{ changes: number }>;
}

const { builtins } = pg.types;

/** bigint past 2^53 would lose digits as a number: a test must not compare a rounded value. */
function safeInteger(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new Error(`raw-sql: ${text} is not a safe integer`);
  return n;
}

/** How PostgreSQL's text results are read here (by type oid); every other type as node-postgres reads it. */
const parsers: Partial<Record<number, (text: string) => unknown>> = {
  [builtins.INT8]: safeInteger,
  [builtins.NUMERIC]: Number,
  [builtins.JSON]: (text) => text,
  [builtins.JSONB]: (text) => text,
  [builtins.BOOL]: (text) => (text === 't' ? 1 : 0),
};
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => parsers[oid] ?? pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};

/** `?` placeholders to `$1..$n`, leaving quoted text ('...', "...") alone. */
export function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|\?/g, (token) => (token === '?' ? `$${++n}` : token));
}

function postgres(pool: pg.Pool): RawSql {
  const query = (sql: string, params: unknown[]) => pool.query({ text: numbered(sql), values: params, types });
  return {
    engine: 'postgres',
    all: async (sql, ...params) => (await query(sql, params)).rows,
    get: async (sql, ...params) => (await query(sql, params)).rows[0],
    run: async (sql, ...params) => ({ changes: (await query(sql, params)).rowCount ?? 0 }),
  };
}

function sqlite(db: SqliteStore['db']): RawSql {
  return {
    engine: 'sqlite',
    all: async (sql, ...params) => db.prepare(sql).all(...params) as never[],
    get: async (sql, ...params) => db.prepare(sql).get(...params) as never,
    run: async (sql, ...params) => ({ changes: db.prepare(sql).run(...params).changes }),
  };
}

export function rawSql(of: App | Store): RawSql {
  const store = 'store' in of ? of.store : of;
  if (store instanceof PgStore) return postgres(store.pool);
  if (store instanceof SqliteStore) return sqlite(store.db);
  throw new Error('raw-sql: the store is neither SQLite nor PostgreSQL');
}
