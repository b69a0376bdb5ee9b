// Named (server-side prepared) statements for the hottest reads: a token by id on every HTTP request, a realm
// and a node by key in most tool calls. node-postgres parses and plans a named statement once per connection
// and then only binds it; drizzle's builder builds the SQL again on every call and sends it unnamed. Measured
// on one pooled connection, 3 rounds of 3,000 token lookups each: 400-500 µs a lookup through the builder,
// 125-150 µs named, against 80-110 µs for SELECT 1; tokenRepo.get, unit-of-work driver included, went from
// 400-500 to 190-235 µs (noisy shared 2-core box: ratios, not figures). (A transaction-mode pooler in between must support
// protocol-level prepared statements, as PgBouncer does from 1.21 with max_prepared_statements set.)
import { getTableColumns } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type pg from 'pg';
import type { Step } from '../../../domain/store.js';
import { type PgDb, q } from './shared.js';

/** A statement by name: the name must stay bound to this text for the life of every connection. */
export interface Named {
  name: string;
  text: string;
}

/** `alias.column AS "field"` for every column but `ord`: rows come out keyed like the record. */
export function selectList(table: PgTable, alias: string): string {
  return Object.entries(getTableColumns(table))
    .filter(([field]) => field !== 'ord')
    .map(([field, column]) => `${alias}.${(column as PgColumn).name} AS "${field}"`)
    .join(', ');
}

/** Runs a named statement on the transaction's connection, as a step; its rows (json columns parsed). */
export function* named<T>(db: PgDb, statement: Named, values: unknown[]): Step<T[]> {
  const client = (db as PgDb & { $client: pg.ClientBase }).$client;
  return (yield* q(client.query<T & pg.QueryResultRow>({ ...statement, values }))).rows;
}
