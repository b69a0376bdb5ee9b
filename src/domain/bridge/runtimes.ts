import { appendAudit } from '../audit/chain.js';
import { isoNow } from '../clock.js';
import type { DomainContext } from '../context.js';
import { DomainError, invalidInput } from '../errors.js';
import { newId } from '../ids.js';
import { decodeCursor, definedOnly, toPage } from '../pagination.js';
import { requireRealm, requireWritableRealm } from '../realm/guards.js';
import { malformedReference } from './env-references.js';
import { runtimeSeenBy } from './runtime-view.js';
import type { RegisterRuntime, ListRuntimes } from './inputs.js';
import { agentCliKinds, type Runtime } from './model.js';

// Agent CLIs default to their own binary.
const defaultCommands: Partial<Record<Runtime['kind'], string>> = { claude_code: 'claude', codex: 'codex', cursor: 'cursor-agent', opencode: 'opencode' };

export function registerRuntime(ctx: DomainContext, input: RegisterRuntime): Promise<Runtime> {
  const kind = input.kind as Runtime['kind'];
  if ((kind === 'process' || kind === 'custom') && !input.command) throw invalidInput('command', `a ${kind} runtime needs a command`);
  if (kind === 'http' && !input.url) throw invalidInput('url', 'an http runtime needs an http(s) url');
  if (input.connectControlPlane && kind !== 'claude_code') throw invalidInput('connectControlPlane', 'only claude_code runtimes can be connected to the control plane');
  const isCli = agentCliKinds.includes(kind);
  if (input.permissions && !isCli) {
    throw invalidInput('permissions', `permissions apply to agent CLIs (${agentCliKinds.join(', ')}); a ${kind} runtime can do whatever its ${kind === 'http' ? 'service' : 'command'} does`);
  }
  for (const [field, values] of [['envVars', input.envVars], ['headers', input.headers]] as const) {
    for (const [name, value] of Object.entries(values ?? {})) {
      const bad = malformedReference(value);
      if (bad) throw invalidInput(`${field}.${name}`, `"${bad}..." is not a reference: write \${env:NAME} with a variable name`);
    }
  }
  if (input.workDir && ctx.runner && !ctx.runner.workDirExists(input.workDir)) throw invalidInput('workDir', `working directory ${input.workDir} does not exist`);
  const runtime: Runtime = {
    id: newId('rt'),
    realmId: input.realmId ?? null,
    kind,
    name: input.name,
    command: input.command ?? defaultCommands[kind] ?? null,
    args: input.args ?? [],
    url: input.url ?? null,
    headers: input.headers ?? null,
    envVars: input.envVars ?? null,
    inheritEnv: input.inheritEnv ?? [],
    workDir: input.workDir ?? null,
    timeoutSecs: input.timeoutSecs ?? 300,
    model: input.model ?? null,
    connectControlPlane: input.connectControlPlane ?? false,
    permissions: isCli ? (input.permissions ?? 'edit') : null,
    version: 1,
    createdAt: isoNow(ctx.clock),
  };
  // A setting the CLI would refuse as this server's user fails now, not at every run.
  const refusal = ctx.runner?.refusal(runtime);
  if (refusal) throw invalidInput(refusal.field, refusal.message);
  return ctx.store.write(function* (tx) {
    if (input.realmId) yield* requireWritableRealm(tx, input.realmId);
    yield* tx.runtimes.insert(runtime);
    if (runtime.realmId) {
      // Names of env vars and headers only: secret values never enter the audit chain.
      yield* appendAudit(tx, ctx.clock, {
        realmId: runtime.realmId,
        actor: ctx.principal,
        action: 'created',
        entityType: 'runtime',
        entityId: runtime.id,
        details: {
          kind: runtime.kind, name: runtime.name, permissions: runtime.permissions, inheritEnv: runtime.inheritEnv,
          envVars: Object.keys(runtime.envVars ?? {}), headers: Object.keys(runtime.headers ?? {}),
        },
      });
    }
    return runtimeSeenBy(ctx.principal)(runtime);
  });
}

export function listRuntimes(ctx: DomainContext, input: ListRuntimes) {
  const filters = definedOnly({ realmId: input.realmId, kind: input.kind });
  const after = decodeCursor(input.cursor, filters);
  return ctx.store.read(function* (tx) {
    if (input.realmId) yield* requireRealm(tx, input.realmId);
    const rows = yield* tx.runtimes.page({ ...filters, kind: input.kind as Runtime['kind'] | undefined, after, limit: input.limit + 1 });
    const page = toPage(rows, input.limit, filters);
    return { runtimes: page.items.map(runtimeSeenBy(ctx.principal)), count: page.count, nextCursor: page.nextCursor };
  });
}

export const noRunner = () => new DomainError('forbidden', 'this server process cannot run agents (it is read-only)', { reason: 'no_runner' });
