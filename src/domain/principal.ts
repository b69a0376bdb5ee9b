// Who is acting. stdio sessions act as `human:local`; HTTP sessions (later) as the token's subject;
// the scheduler and recovery as `system`.
export type ActorKind = 'agent' | 'human' | 'system';

export interface Principal {
  kind: ActorKind;
  id: string;
}

export const localHuman: Principal = { kind: 'human', id: 'human:local' };
export const systemPrincipal: Principal = { kind: 'system', id: 'system' };

/**
 * The actor of an audit entry: the acting id from the input when there is one, else the session's principal.
 * An id taken from input is an agent unless it names a human (`human:...`) or the system; `owner` (a realm's
 * owner) is a human.
 */
export function actorFrom(principal: Principal, actingId?: string | null, kindHint?: ActorKind): Principal {
  if (!actingId) return principal;
  if (actingId === 'system') return systemPrincipal;
  if (actingId.startsWith('human:')) return { kind: 'human', id: actingId };
  return { kind: kindHint ?? 'agent', id: actingId };
}
