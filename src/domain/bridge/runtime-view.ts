// How a runtime is shown. A runtime holds what it runs with: a command line, an environment, headers, a URL.
// An admin, who registers runtimes, sees every value that does not look secret. Everyone else (a realm's
// operators, who also list the global runtimes every realm shares, and export their realm scrubbed) sees
// names, option names and references to the server's environment only: a guess by name misses PGPASSWORD or
// `-p x`.
import type { Principal } from '../principal.js';
import { isSecretKey, looksSecret, REDACTED, redactText, scrub } from '../secrets.js';
import { isReferenceOnly } from './env-references.js';
import type { Runtime } from './model.js';

interface Masked<T> {
  value: T;
  /** How many values were hidden. */
  count: number;
}

type Values = Record<string, string> | null;

// An option on a command line, `--password` or `--api-key=x`; `NAME=value` (an environment setting); `Name: value`
// (a header, as curl takes it).
const option = /^--?([A-Za-z][A-Za-z0-9_.-]*)(=[\s\S]*)?$/;
const setting = /^([A-Za-z_][A-Za-z0-9_]*)=([\s\S]*)$/;
const header = /^([A-Za-z0-9-]+):\s*([\s\S]+)$/;

type Flag = RegExpExecArray | null;

/** `arg` with its last `value.length` characters (a value after its name) shown as REDACTED. */
const hideTail = (arg: string, value: string): Masked<string> => ({ value: `${arg.slice(0, arg.length - value.length)}${REDACTED}`, count: 1 });

/** One argument as an admin sees it (`flag`: it as an option; `afterSecretOption`: it follows `--password`). */
function argForAdmin(arg: string, flag: Flag, afterSecretOption: boolean): Masked<string> {
  if (afterSecretOption && !flag) return { value: REDACTED, count: 1 };
  if (flag?.[2] !== undefined && isSecretKey(flag[1]!)) return hideTail(arg, flag[2].slice(1));
  const named = setting.exec(arg) ?? header.exec(arg);
  if (named && isSecretKey(named[1]!)) return hideTail(arg, named[2]!);
  if (/^[[{]/.test(arg)) {
    try {
      const scrubbed = scrub(JSON.parse(arg) as unknown);
      if (scrubbed.redacted) return { value: JSON.stringify(scrubbed.value), count: scrubbed.redacted };
    } catch {
      // not JSON: read as text below
    }
  }
  const text = redactText(arg);
  return { value: text.text, count: text.count };
}

/** One argument as everyone else sees it: an option's name (`--name`, `-n`), never a value, nor a secret passed off as a name. */
function argForOthers(arg: string, flag: Flag): Masked<string> {
  const long = arg.startsWith('--');
  if (flag && flag[2] === undefined && (long || flag[1]!.length === 1) && !looksSecret(arg)) return { value: arg, count: 0 };
  if (flag?.[2] !== undefined && long) return hideTail(arg, flag[2].slice(1));
  return { value: REDACTED, count: 1 };
}

function maskArgs(args: readonly string[], strict: boolean): Masked<string[]> {
  const flags = args.map((arg) => option.exec(arg));
  let count = 0;
  const value = args.map((arg, i) => {
    const previous = flags[i - 1];
    const shown = strict ? argForOthers(arg, flags[i]!) : argForAdmin(arg, flags[i]!, !!previous && previous[2] === undefined && isSecretKey(previous[1]!));
    count += shown.count;
    return shown.value;
  });
  return { value, count };
}

/** envVars or headers: names kept, and references to the server's environment (they hold no secret). */
function maskValues(values: Values, strict: boolean): Masked<Values> {
  let count = 0;
  const hidden = (key: string, value: string) => !isReferenceOnly(value) && (strict || isSecretKey(key) || looksSecret(value));
  const value = values && Object.fromEntries(Object.entries(values).map(([k, v]) => (hidden(k, v) ? (count++, [k, REDACTED]) : [k, v])));
  return { value, count };
}

/** A command or a directory: secret-shaped parts hidden. */
function maskText(text: string | null): Masked<string | null> {
  if (text === null) return { value: null, count: 0 };
  const masked = redactText(text);
  return { value: masked.text, count: masked.count };
}

/** A query parameter's name as written before encoding (a malformed escape is read as it stands). */
function queryKey(key: string) {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    return key;
  }
}

// A URL's parts that may carry a secret: the user information, the query and the fragment.
const urlParts = /^([a-z][a-z0-9+.-]*:\/\/)(?:([^@/?#]*)@)?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/i;

/**
 * A URL: to an admin, the values of secret-named query parameters and secret shapes hidden; to everyone
 * else, the user information, every query value and the fragment as well (a name does not always tell:
 * X-Amz-Signature, client_secret).
 */
function maskUrl(url: string | null, strict: boolean): Masked<string | null> {
  if (url === null) return { value: null, count: 0 };
  const parts = urlParts.exec(url);
  if (!parts) return strict ? { value: REDACTED, count: 1 } : maskText(url);
  const [, scheme, user, rest, query, fragment] = parts;
  let count = 0;
  const hide = (shown: string) => (count++, shown);
  const params = query?.split('&').map((pair) => {
    const at = pair.indexOf('=');
    if (at === -1) return strict && pair ? hide(REDACTED) : pair;
    const key = pair.slice(0, at);
    return strict || isSecretKey(queryKey(key)) ? hide(`${key}=${REDACTED}`) : pair;
  });
  const masked = [
    scheme,
    user !== undefined ? (strict ? hide(`${REDACTED}@`) : `${user}@`) : '',
    rest,
    params !== undefined ? `?${params.join('&')}` : '',
    fragment !== undefined ? (strict && fragment ? hide(`#${REDACTED}`) : `#${fragment}`) : '',
  ].join('');
  const text = maskText(masked);
  return { value: text.value, count: count + text.count };
}

function view(r: Runtime, strict: boolean): Masked<Runtime> {
  const parts = {
    command: maskText(r.command),
    args: maskArgs(r.args, strict),
    url: maskUrl(r.url, strict),
    headers: maskValues(r.headers, strict),
    envVars: maskValues(r.envVars, strict),
    workDir: maskText(r.workDir),
  };
  const runtime = { ...r, ...Object.fromEntries(Object.entries(parts).map(([k, m]) => [k, m.value])) } as Runtime;
  return { value: runtime, count: Object.values(parts).reduce((n, m) => n + m.count, 0) };
}

/** A runtime as `principal` sees it (in lists, and in its scrubbed exports), and how many values were hidden. */
export const maskedFor = (principal: Principal) => (r: Runtime) => view(r, principal.role !== 'admin');

/** A runtime as `principal` sees it. */
export const runtimeSeenBy = (principal: Principal) => (r: Runtime): Runtime => maskedFor(principal)(r).value;
