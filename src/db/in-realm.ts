import { type Column, getTableColumns, type Table } from 'drizzle-orm';

/**
 * Rows of `table` set to `realmId` in its realm column, whatever the records they came from said: a realm's
 * load (realm_import) never writes outside the realm it was given. Both stores' realm-data repositories use it.
 */
export function inRealm(table: Table, realmColumn: Column, realmId: string) {
  const field = Object.entries(getTableColumns(table)).find(([, column]) => column === realmColumn)![0];
  return (row: Record<string, unknown>) => ({ ...row, [field]: realmId });
}
