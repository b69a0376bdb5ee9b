// The page's state, as signals: who is signed in, which realm is shown, and one counter per event topic that
// the live stream bumps (views read again when a topic they show changes).
import { computed, signal, type Signal } from '@preact/signals';

const KEY = 'control-plane-token';

/** The token lives in this tab's session storage only: closing the tab signs out. */
export const token = signal<string | null>(sessionStorage.getItem(KEY));
/** null until known; 'none' on a --no-auth server (the local admin). */
export const authMode = signal<'token' | 'none' | null>(null);
export const signInMessage = signal<string | null>(null);

export interface Me {
  role: 'admin' | 'operator' | 'agent';
  principalId: string;
  realmId: string | null;
}
export const me = signal<Me | null>(null);
export const realmId = signal<string | null>(sessionStorage.getItem('control-plane-realm'));
export const connected = signal(false);
export const signedIn = computed(() => authMode.value === 'none' || token.value !== null);

export function signIn(value: string) {
  sessionStorage.setItem(KEY, value);
  signInMessage.value = null;
  token.value = value;
}

export function signOut(message: string | null = null) {
  sessionStorage.removeItem(KEY);
  sessionStorage.removeItem('control-plane-realm');
  me.value = null;
  realmId.value = null;
  signInMessage.value = message;
  token.value = null;
}

export function chooseRealm(id: string) {
  sessionStorage.setItem('control-plane-realm', id);
  realmId.value = id;
}

const versions = new Map<string, Signal<number>>();
/** The change counter of a topic (read it in a component to re-render when the topic changes). */
export function version(topic: string) {
  let v = versions.get(topic);
  if (!v) versions.set(topic, (v = signal<number>(0)));
  return v;
}
/** Something changed: every view reads again (after a reconnect, or store.resync). */
export function bumpAll() {
  for (const v of versions.values()) v.value++;
}
