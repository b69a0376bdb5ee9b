import type { MissionStatus } from './model.js';

// The moves mission_transition makes. Checkout (to active) and release (to queued) are their own edges;
// review -> active is the one way back to active that keeps the assignee.
export const transitionMoves: Record<MissionStatus, readonly MissionStatus[]> = {
  backlog: ['queued', 'cancelled'],
  queued: ['cancelled'],
  active: ['review', 'blocked', 'cancelled'],
  review: ['complete', 'active'],
  blocked: ['queued', 'cancelled'],
  complete: [],
  cancelled: [],
  // A dead letter: an operator (or the creator) may send it back to the queue, or give up on it.
  failed: ['queued', 'cancelled'],
};

/** Statuses no checkout can take a mission from (an active or blocked one is a matter of who holds it). */
export const notCheckoutable: readonly MissionStatus[] = ['review', 'complete', 'cancelled', 'failed'];
/** Statuses release takes a mission back from. */
export const releaseFrom: readonly MissionStatus[] = ['active', 'blocked', 'review'];

/** Entering these clears the assignee; entering the final ones sets completedAt. */
export const unassignedStatuses: readonly MissionStatus[] = ['backlog', 'queued'];
export const finalStatuses: readonly MissionStatus[] = ['complete', 'cancelled'];
