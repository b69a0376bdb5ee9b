// Who may call what: one permission per function (on its declaration), and this one table of which role holds
// which permission. Names follow the Aragora control plane's `control_plane:<resource>:<verb>`.
import type { Role } from '../domain/principal.js';

export const permissions = [
  'control_plane:realms:read', 'control_plane:realms:write', 'control_plane:realms:create', 'control_plane:realms:delete',
  'control_plane:agents:read', 'control_plane:agents:write', 'control_plane:agents:delete', 'control_plane:agents:override',
  'control_plane:agents:heartbeat',
  'control_plane:directives:read', 'control_plane:directives:write',
  'control_plane:missions:read', 'control_plane:missions:write', 'control_plane:missions:work',
  'control_plane:budgets:read', 'control_plane:budgets:write', 'control_plane:spend:read', 'control_plane:spend:write',
  'control_plane:proposals:read', 'control_plane:proposals:write', 'control_plane:proposals:decide',
  'control_plane:audit:read', 'control_plane:audit:write',
  'control_plane:pulses:read', 'control_plane:pulses:write', 'control_plane:pulses:run',
  'control_plane:runtimes:read', 'control_plane:runtimes:write', 'control_plane:runs:read', 'control_plane:runs:write',
] as const;
export type Permission = (typeof permissions)[number];

/**
 * The role table. An admin holds everything. An operator holds everything inside its one realm, but making,
 * importing or deleting realms (the realm scope itself is checked in the dispatch) and registering runtimes:
 * a runtime says what runs on the server's machine (a command, its arguments and environment, a working
 * directory, a URL the server calls with headers that may name the server's environment), so whoever
 * registers one can read every realm's data; operators run the runtimes an admin registered. An agent holds what an
 * agent needs to work: read the org chart, goals, missions and proposals; send its own heartbeat; work on missions; record its own
 * spend and activity; check its own budget; propose; read its own runs (whose fields must name itself is
 * each declaration's `actsAs`).
 */
export const rolePermissions: Record<Role, readonly Permission[]> = {
  admin: permissions,
  operator: permissions.filter((p) => !['control_plane:realms:create', 'control_plane:realms:delete', 'control_plane:runtimes:write'].includes(p)),
  agent: [
    'control_plane:agents:read', 'control_plane:agents:heartbeat', 'control_plane:directives:read', 'control_plane:missions:read', 'control_plane:missions:work',
    'control_plane:budgets:read', 'control_plane:spend:write', 'control_plane:proposals:read', 'control_plane:proposals:write',
    'control_plane:audit:write', 'control_plane:runs:read',
  ],
};

export const roles = Object.keys(rolePermissions) as Role[];

/** Whether a role holds a permission (the system acts as admin). */
export const holds = (role: Role | 'system', permission: Permission) => role === 'system' || rolePermissions[role].includes(permission);
