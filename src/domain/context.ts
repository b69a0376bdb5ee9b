import type { Clock } from './clock.js';
import type { Principal } from './principal.js';
import type { Store } from './store.js';

/** What every domain operation gets: the store, the clock, and who is acting. */
export interface DomainContext {
  store: Store;
  clock: Clock;
  principal: Principal;
}
