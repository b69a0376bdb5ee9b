/**
 * An object whose properties are made on first read, each by its factory, then kept: `base` plus a getter per
 * factory. (Getters, not properties redefined on first read: the object keeps one shape for the hot path.)
 */
export function lazily<B extends object, L extends object>(base: B, factories: { [K in keyof L]: () => L[K] }): B & L {
  const made: Partial<L> = {};
  for (const key of Object.keys(factories) as (keyof L)[]) {
    Object.defineProperty(base, key, { enumerable: true, get: () => (made[key] ??= factories[key]()) });
  }
  return base as B & L;
}
