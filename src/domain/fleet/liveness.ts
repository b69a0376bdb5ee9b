// Liveness, the Aragora registry's agent states, derived at read time from what is stored: the last heartbeat
// (and the state it gave), whether the agent has a running bridge run, and its last failure. Nothing is
// written when time passes, so no sweep has to keep it current and every process agrees on it.
import type { Node } from '../hierarchy/model.js';
import type { FleetSettings } from './settings.js';

export const livenessStates = ['starting', 'ready', 'busy', 'draining', 'offline', 'failed'] as const;
export type Liveness = (typeof livenessStates)[number];

type Heartbeat = Pick<Node, 'heartbeatAt' | 'heartbeatState' | 'failedAt'>;

/**
 * The agent's liveness at `now`; null for an agent that never sent a heartbeat (driven only by pulses), for
 * which nothing changes. A failure after the last heartbeat is `failed` until the next one; a heartbeat older
 * than the timeout is `offline`; draining is said by the agent and wins over busy; a running run is `busy`.
 */
export function livenessOf(node: Heartbeat, now: Date, settings: Pick<FleetSettings, 'heartbeatTimeoutSecs'>, running: boolean): Liveness | null {
  if (node.heartbeatAt === null) return null;
  if (node.failedAt !== null && node.failedAt > node.heartbeatAt) return 'failed';
  if (now.getTime() - Date.parse(node.heartbeatAt) > settings.heartbeatTimeoutSecs * 1000) return 'offline';
  if (node.heartbeatState === 'draining') return 'draining';
  if (running) return 'busy';
  return node.heartbeatState ?? 'ready';
}

/** The heartbeat time before which an agent is offline at `now` (for filtering in SQL). */
export const offlineBefore = (now: Date, settings: Pick<FleetSettings, 'heartbeatTimeoutSecs'>) =>
  new Date(now.getTime() - settings.heartbeatTimeoutSecs * 1000).toISOString();

/** Whether new work may be handed to an agent in this state (claim-next, delegation). */
export const takesWork = (liveness: Liveness | null) => liveness === null || liveness === 'starting' || liveness === 'ready' || liveness === 'busy';

/** Whether the pulse scheduler may wake an agent in this state: not one that is gone or shutting down. */
export const takesPulses = (liveness: Liveness | null) => liveness !== 'offline' && liveness !== 'draining';
