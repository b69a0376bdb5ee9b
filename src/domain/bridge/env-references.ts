// `${env:NAME}` in a runtime's envVars and headers: the value is taken from the server's environment when a
// run starts, so a secret need not be stored in the database (or shown, or exported) at all.

const NAME = '[A-Za-z_][A-Za-z0-9_]*';
const reference = new RegExp(`\\$\\{env:(${NAME})\\}`, 'g');
/** A value that is only references, optionally after one scheme word ("Bearer ${env:TOKEN}"): nothing secret in it. */
const referencesOnly = new RegExp(`^(?:[A-Za-z]+ )?(?:\\$\\{env:${NAME}\\})+$`);
/** `${env:` not followed by a name and `}`: a typo that would otherwise reach the CLI verbatim. */
const malformed = new RegExp(`\\$\\{env:(?!${NAME}\\})`);

export const isReferenceOnly = (value: string) => referencesOnly.test(value);

/** The first malformed reference in a value, for register-time validation. */
export const malformedReference = (value: string) => malformed.exec(value)?.[0] ?? null;

export class MissingEnvironment extends Error {}

/** The value with its references replaced from `env`; names the field and the variable when one is unset. */
export function resolveReferences(value: string, env: NodeJS.ProcessEnv, field: string): string {
  return value.replace(reference, (_, name: string) => {
    const resolved = env[name];
    if (resolved === undefined) throw new MissingEnvironment(`${field} refers to \${env:${name}}, which is not set in the server's environment`);
    return resolved;
  });
}

/** A name, or a prefix ending in `*`, of server environment variables a runtime passes on (`inheritEnv`). */
export const inheritPattern = new RegExp(`^${NAME}\\*?$`);

export function inherits(patterns: readonly string[], name: string): boolean {
  return patterns.some((p) => (p.endsWith('*') ? name.startsWith(p.slice(0, -1)) : name === p));
}
