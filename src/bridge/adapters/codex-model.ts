// Codex's JSON stream never names the model it used, so a run's cost could not be priced. The model is
// found, in order, in the thread's rollout file (the turn_context Codex records, which is what really ran),
// the run's model (-m), the runtime's args, then the `model` key of Codex's config.toml.
import { createReadStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const MAX_DEPTH = 4; // sessions/YYYY/MM/DD/rollout-...jsonl

export const codexHome = (env: Record<string, string>) => env.CODEX_HOME ?? (env.HOME ? join(env.HOME, '.codex') : null);

function findRollout(dir: string, threadId: string, depth = 0): string | null {
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return null;
  }
  const hit = entries.find((e) => e.isFile() && e.name.startsWith('rollout-') && e.name.endsWith(`${threadId}.jsonl`));
  if (hit) return join(dir, hit.name);
  if (depth >= MAX_DEPTH) return null;
  // Newest first: the thread most likely started recently.
  for (const sub of entries.filter((e) => e.isDirectory()).map((e) => e.name).sort().reverse()) {
    const found = findRollout(join(dir, sub), threadId, depth + 1);
    if (found) return found;
  }
  return null;
}

/** The model of the thread's last turn, from its rollout file. */
export async function rolloutModel(home: string, threadId: string): Promise<string | null> {
  const file = findRollout(join(home, 'sessions'), threadId);
  if (!file) return null;
  let model: string | null = null;
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.includes('"turn_context"')) continue;
    try {
      const entry = JSON.parse(line) as { type?: string; payload?: { model?: unknown } };
      if (entry.type === 'turn_context' && typeof entry.payload?.model === 'string') model = entry.payload.model;
    } catch {
      // a line being written as we read
    }
  }
  return model;
}

/** `-m X`, `--model X`, `--model=X` or `-c model=X` in a runtime's args. */
export function argsModel(args: readonly string[]): string | null {
  let model: string | null = null;
  args.forEach((arg, i) => {
    const next = args[i + 1];
    if ((arg === '-m' || arg === '--model') && next) model = next;
    else if (arg.startsWith('--model=')) model = arg.slice('--model='.length);
    else if ((arg === '-c' || arg === '--config') && next && /^model\s*=/.test(next)) model = unquote(next.slice(next.indexOf('=') + 1));
  });
  return model;
}

const unquote = (value: string) => value.trim().replace(/^(["'])(.*)\1$/, '$2');

/** The top-level `model = "..."` of config.toml (before any [table]). */
export function configModel(home: string): string | null {
  const file = join(home, 'config.toml');
  if (!existsSync(file)) return null;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (/^\s*\[/.test(line)) return null;
    const match = /^\s*model\s*=\s*(.+?)\s*(#.*)?$/.exec(line);
    if (match) return unquote(match[1]!);
  }
  return null;
}
