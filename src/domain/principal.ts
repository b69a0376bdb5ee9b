// Who is acting. Every caller is a principal: an admin (everything), an operator (one realm) or an agent (one
// realm, one agent id). The transports map their credentials to one (stdio: the local user is admin unless
// --role says otherwise; HTTP: a token); the scheduler, recovery and inbound events act as the system.

export type ActorKind = 'agent' | 'human' | 'system';
export type Role = 'admin' | 'operator' | 'agent';

/** Who an audit entry says did it. */
export interface Actor {
  kind: ActorKind;
  id: string;
}

export interface Principal extends Actor {
  role: Role | 'system';
  /** The one realm an operator or agent may touch. */
  realmId?: string;
}

export const localAdmin: Principal = { kind: 'human', id: 'human:local', role: 'admin' };
export const systemPrincipal: Principal = { kind: 'system', id: 'system', role: 'system' };

export const operatorPrincipal = (realmId: string, id = 'human:operator'): Principal => ({ kind: 'human', id, role: 'operator', realmId });
export const agentPrincipal = (realmId: string, agentId: string): Principal => ({ kind: 'agent', id: agentId, role: 'agent', realmId });

/** Whether the principal may see this realm at all (admins and the system see every realm). */
export const seesRealm = (principal: Principal, realmId: string | null) => principal.realmId === undefined || principal.realmId === realmId;

/** Acting ids that begin so name a person (the audit records them as kind human); a node's id never does. */
export const PERSON_PREFIX = 'human:';
export const namesAPerson = (id: string) => id.startsWith(PERSON_PREFIX);
export const NOT_A_PERSON = `must not begin with "${PERSON_PREFIX}" (such ids name people, not agents)`;

/**
 * The actor of an audit entry. An agent principal is always itself (its acting ids were checked to be its own).
 * Otherwise the acting id from the input when there is one, else the principal: an id taken from input is an
 * agent unless it names a human (`human:...`) or the system, or the field always names a person (`owner`,
 * `operatorId`: `kindHint`).
 */
export function actorFrom(principal: Principal, actingId?: string | null, kindHint?: ActorKind): Actor {
  if (principal.role === 'agent' || !actingId) return { kind: principal.kind, id: principal.id };
  if (actingId === 'system') return { kind: 'system', id: 'system' };
  if (namesAPerson(actingId)) return { kind: 'human', id: actingId };
  return { kind: kindHint ?? 'agent', id: actingId };
}

/** The principal, recorded as `actor` (an effect carried out for a decider keeps the principal's authority). */
export const actingAs = (principal: Principal, actor: Actor): Principal => ({ ...principal, kind: actor.kind, id: actor.id });
