// The annotation table of the spec, kept as data in one place and tested against the served tools.
// Every tool gets all four hints explicitly (MCP's defaults assume the worst: destructive and open-world).
import type { ToolAnnotations } from '@modelcontextprotocol/server';

const readOnly = new Set([
  'realm_get', 'realm_list', 'realm_export', 'hierarchy_tree', 'hierarchy_find', 'hierarchy_chain',
  'directive_get', 'directive_list', 'directive_ancestry', 'mission_list', 'mission_comments', 'ledger_check',
  'ledger_summary', 'council_proposals', 'council_activity_log', 'council_verify', 'pulse_status', 'bridge_list',
  'bridge_run', 'mission_queue',
]);

const destructive = new Set([
  'realm_delete', 'hierarchy_remove', 'mission_transition', 'mission_fail', 'council_decide', 'council_override', 'bridge_cancel',
]);

// Every read is idempotent too. hierarchy_heartbeat is in no set on purpose: it writes (the heartbeat time,
// the leases), destroys nothing, and is not idempotent: a repeat moves heartbeatAt and the leases again.
const idempotentWrites = new Set([
  'realm_update', 'hierarchy_set', 'directive_update', 'mission_checkout', 'ledger_set_budget', 'pulse_register',
  'pulse_toggle',
  // Only changed fields are written: a repeat, delegation included, changes nothing more.
  'mission_update',
]);

const openWorld = new Set(['bridge_invoke', 'pulse_invoke', 'pulse_tick']);

export const isReadOnly = (name: string) => readOnly.has(name);

export const annotationsFor = (name: string, title: string): ToolAnnotations => ({
  title,
  readOnlyHint: readOnly.has(name),
  destructiveHint: destructive.has(name),
  idempotentHint: readOnly.has(name) || idempotentWrites.has(name),
  openWorldHint: openWorld.has(name),
});
