import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

const require = createRequire(import.meta.url);
const nodeMajor = Number(process.versions.node.split('.')[0]);

/**
 * The better-sqlite3 build that works on this Node. Version 12 wraps its objects with V8's ObjectWrap, which on
 * Node 24 aborts the whole process when a garbage-collected statement is finalized ("Assertion failed: (env) !=
 * nullptr" in RemoveEnvironmentCleanupHook; seen here mid-run under load, and upstream closed it unfixed).
 * Version 13 is built on Node-API and ships its binaries in the package, but needs Node 22 (on Node 20 it
 * segfaults). Both have the same API, so Node 20 loads 12 and Node 22 and later load 13.
 */
export const Database: typeof BetterSqlite3 = require(nodeMajor >= 22 ? 'better-sqlite3-13' : 'better-sqlite3');
export type Database = BetterSqlite3.Database;
