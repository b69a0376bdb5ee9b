import { DomainError, notFound } from '../errors.js';
import type { Step, Tx } from '../store.js';
import type { Realm } from './model.js';

export function* requireRealm(tx: Tx, realmId: string): Step<Realm> {
  const realm = yield* tx.realms.get(realmId);
  if (!realm) throw notFound('realm', realmId);
  return realm;
}

/** A realm that accepts mutations: suspended and archived realms refuse them (system writes go around this). */
export function* requireWritableRealm(tx: Tx, realmId: string): Step<Realm> {
  const realm = yield* requireRealm(tx, realmId);
  if (realm.status !== 'active') {
    throw new DomainError('realm_suspended', `realm ${realmId} is ${realm.status}: it accepts no changes`, { status: realm.status });
  }
  return realm;
}
