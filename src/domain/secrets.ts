// The one secret detector, used wherever a value leaves the store (exports, runtimes' envVars and headers)
// or enters the audit chain (before hashing, so a secret never becomes part of the chain).
// Two ways to recognise a secret: by the key it is stored under, and by its shape, under any key.

export const REDACTED = '[REDACTED]';

// Words that make a key secret wherever they appear in it (`db_password`, `xApiKey`, `set-cookie`).
const secretWords = new Set([
  'secret', 'secrets', 'password', 'passwords', 'passwd', 'pwd', 'passphrase', 'credential', 'credentials',
  'cookie', 'cookies', 'jwt', 'otp', 'pin', 'apikey', 'webhook', 'authorization', 'auth', 'bearer', 'privatekey',
  'dsn', 'session', 'sessid', 'phpsessid', 'jsessionid',
]);
// Secrets when they end a key (DB_PASS, GITHUB_PAT, CREDS), not before another word (passRate, patId).
const secretLastWords = new Set(['token', 'pass', 'pat', 'creds']);
// A last word that ends in a secret word run together with another: PGPASSWORD, ROOTPASSWD, CLIENTSECRET
// (not secretary).
const secretEnding = /(?:password|passwd|secret|credentials?)$/;
// Pairs read as one word: `api key`, `private key`, `access key (id)`, `session token` ...
const secretPairs = new Set([
  'api key', 'private key', 'access key', 'secret key', 'signing key', 'encryption key', 'master key', 'client key',
  'auth key', 'license key', 'ssh key', 'deploy key', 'service key', 'account key', 'session key', 'session token',
  'session id', 'connection string',
]);
// A key naming something about a secret, not the secret itself: `passwordLength`, `tokenType`, `otpEnabled`.
const aboutWords = new Set(['count', 'counts', 'length', 'enabled', 'required', 'type', 'kind', 'name', 'expires', 'expiry', 'at', 'ttl', 'policy', 'hint', 'field']);

/** A key's words, lower-cased: `AWS_ACCESS_KEY_ID` → aws access key id, `inputTokens` → input tokens. */
const wordsOf = (key: string) =>
  key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);

/** Whether a value stored under this key is a secret, whatever it looks like. */
export function isSecretKey(key: string): boolean {
  const words = wordsOf(key);
  if (words.length === 0 || aboutWords.has(words.at(-1)!)) return false;
  if (words.some((w) => secretWords.has(w))) return true;
  // `token`, `accessToken`, `refresh_token` are secrets; `inputTokens` (a count) is not.
  if (secretLastWords.has(words.at(-1)!) || secretEnding.test(words.at(-1)!)) return true;
  for (let i = 1; i < words.length; i++) if (secretPairs.has(`${words[i - 1]} ${words[i]}`)) return true;
  // The environment's convention for keys: OPENAI_API_KEY, STRIPE_KEY, SIGNING_KEY.
  return /^[A-Z0-9_]*_KEY$/.test(key);
}

/** Shapes that are secrets under any key. `keep` is the part of the match left visible (a URL's user, a header's name). */
const secretShapes: { pattern: RegExp; keep?: (match: RegExpExecArray) => string }[] = [
  { pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----[\s\S]*?(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----|$)/g },
  { pattern: /\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b/g }, // AWS access key ids
  { pattern: /\bsk-(?:ant-|proj-|svcacct-)?[A-Za-z0-9_-]{20,}/g }, // Anthropic, OpenAI
  { pattern: /\b(?:sk|rk|pk)_(?:live|test)_[0-9A-Za-z]{16,}/g }, // Stripe
  { pattern: /\bgh[pousr]_[A-Za-z0-9]{30,}\b/g }, // GitHub tokens
  { pattern: /\bgithub_pat_[A-Za-z0-9_]{22,}/g },
  { pattern: /\bglpat-[A-Za-z0-9_-]{20,}/g }, // GitLab
  { pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/g }, // Slack tokens
  { pattern: /https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9/]+/g }, // Slack webhooks
  { pattern: /\bAIza[0-9A-Za-z_-]{35}\b/g }, // Google API keys
  { pattern: /\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}/g }, // SendGrid
  { pattern: /\bhf_[A-Za-z0-9]{30,}\b/g }, // Hugging Face
  { pattern: /\bnpm_[A-Za-z0-9]{36}\b/g }, // npm
  { pattern: /\bcpt_[0-9a-f]{16}_[A-Za-z0-9_-]{43}/g }, // ours (control-plane API tokens)
  { pattern: /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g }, // JWTs
  { pattern: /\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{8,}/gi, keep: (m) => `${m[1]} ` },
  { pattern: /\b(AccountKey|SharedAccessKey|Password|Pwd)=[^;\s"']+/gi, keep: (m) => `${m[1]}=` }, // connection strings
  { pattern: /([?&](?:api[_-]?key|access[_-]?token|token|key|secret|password|sig|signature)=)[^&#\s"']+/gi, keep: (m) => m[1]! },
  { pattern: /\b([a-z][a-z0-9+.-]*:\/\/[^\s:@/"']*:)[^\s@/"']+@/gi, keep: (m) => m[1]!, }, // passwords in URLs
];
const ending = (m: RegExpExecArray) => (m[0].endsWith('@') ? '@' : '');

/** A text with every secret-shaped part replaced, and how many there were. */
export function redactText(text: string): { text: string; count: number } {
  let count = 0;
  let out = text;
  for (const { pattern, keep } of secretShapes) {
    pattern.lastIndex = 0;
    out = out.replace(pattern, (...args) => {
      count++;
      const match = Object.assign([...args.slice(0, -2)] as string[], { index: 0, input: '' }) as unknown as RegExpExecArray;
      return `${keep ? keep(match) : ''}${REDACTED}${ending(match)}`;
    });
  }
  return { text: out, count };
}

/** Whether a string holds anything secret-shaped. */
export const looksSecret = (text: string) => redactText(text).count > 0;

/**
 * A copy of `value` with every secret replaced by "[REDACTED]", at any depth: the whole value of a secret key
 * (unless null, or a string `shown` says holds nothing secret), and the secret-shaped parts of every other
 * string. Returns how many were replaced.
 */
export function scrub<T>(value: T, shown: (value: string) => boolean = () => false): { value: T; redacted: number } {
  let redacted = 0;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const r = redactText(v);
      redacted += r.count;
      return r.text;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v === null || typeof v !== 'object') return v;
    return Object.fromEntries(
      Object.entries(v).map(([k, inner]) => {
        if (inner !== null && inner !== REDACTED && isSecretKey(k) && !(typeof inner === 'string' && shown(inner))) {
          redacted++;
          return [k, REDACTED];
        }
        return [k, walk(inner)];
      }),
    );
  };
  return { value: walk(value) as T, redacted };
}
