// A view's data: read when the realm is chosen and again whenever one of the topics it shows changes (pushed by
// the live stream). The last good data stays on screen while it is read again, so nothing flickers.
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from './api.js';
import { realmId, version } from './state.js';

export interface Loaded<T> {
  data: T | null;
  error: ApiError | null;
  loading: boolean;
}

export function useData<T>(read: (realmId: string) => Promise<T>, topics: string[], extra: unknown[] = []): Loaded<T> {
  const realm = realmId.value;
  const counters = topics.map((t) => version(t).value);
  const [state, setState] = useState<Loaded<T>>({ data: null, error: null, loading: true });
  useEffect(() => {
    if (!realm) return;
    let current = true;
    setState((s) => ({ ...s, loading: true }));
    read(realm).then(
      (data) => current && setState({ data, error: null, loading: false }),
      (error: unknown) => current && setState((s) => ({ data: s.data, error: error instanceof ApiError ? error : new ApiError(0, 'internal', String(error), null), loading: false })),
    );
    return () => void (current = false);
  }, [realm, ...counters, ...extra]);
  return state;
}
