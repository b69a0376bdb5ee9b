// Secret scrubbing for exports: a key is secret when, lower-cased with `_ - .` removed, it contains one of
// these words or ends with "token" (so `accessToken` is secret and `inputTokens` is not).
const secretWords = ['secret', 'password', 'passwd', 'credential', 'privatekey', 'apikey', 'authorization'];

export const REDACTED = '[REDACTED]';

export function isSecretKey(key: string): boolean {
  const k = key.toLowerCase().replace(/[_\-.]/g, '');
  return k.endsWith('token') || secretWords.some((w) => k.includes(w));
}

/** Returns a copy with every non-null secret value replaced, at any depth, and how many were replaced. */
export function scrub<T>(value: T): { value: T; redacted: number } {
  let redacted = 0;
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v === null || typeof v !== 'object') return v;
    return Object.fromEntries(
      Object.entries(v).map(([k, inner]) => {
        if (inner !== null && isSecretKey(k)) {
          redacted++;
          return [k, REDACTED];
        }
        return [k, walk(inner)];
      }),
    );
  };
  return { value: walk(value) as T, redacted };
}
