import type { RunLauncher } from './bridge/launcher.js';
import type { Clock } from './clock.js';
import type { Principal } from './principal.js';
import type { Store } from './store.js';

export interface Progress {
  progress: number;
  total?: number;
  message?: string;
}

/** What every domain operation gets: the store, the clock, and who is acting. */
export interface DomainContext {
  store: Store;
  clock: Clock;
  principal: Principal;
  /** Executes bridge runs (absent where runs cannot be started, e.g. read-only processes). */
  runner?: RunLauncher;
  /** Reports progress of a long call to the caller, when the caller asked for it. */
  progress?: (progress: Progress) => void;
}
