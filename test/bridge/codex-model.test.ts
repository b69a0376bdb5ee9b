// Where the model of a Codex run comes from when its stream does not say.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { argsModel, configModel, rolloutModel } from '../../src/bridge/adapters/codex-model.js';
import { stateDir } from '../helpers/fakes.js';

describe('the model of a Codex run', () => {
  it('is the last turn_context of the thread\'s rollout file', async () => {
    const home = stateDir();
    const dir = join(home, 'sessions', '2026', '11', '20');
    mkdirSync(dir, { recursive: true });
    const thread = '019a1111-2222-7333-8444-555555555555';
    const lines = [
      { type: 'session_meta', payload: { id: thread } },
      { type: 'turn_context', payload: { model: 'gpt-6-sol' } },
      { type: 'response_item', payload: { type: 'message' } },
      { type: 'turn_context', payload: { model: 'gpt-6.1-sol' } },
    ];
    writeFileSync(join(dir, `rollout-2026-11-20T10-00-00-${thread}.jsonl`), lines.map((l) => JSON.stringify(l)).join('\n') + '\n{"type":"turn_con');
    expect(await rolloutModel(home, thread)).toBe('gpt-6.1-sol');
    expect(await rolloutModel(home, '019a0000-0000-7000-8000-000000000000')).toBeNull();
  });

  it('else the runtime\'s args, else config.toml\'s top-level model', () => {
    expect(argsModel(['-c', 'model="gpt-5.5"'])).toBe('gpt-5.5');
    expect(argsModel(['--model=o3'])).toBe('o3');
    expect(argsModel(['-m', 'gpt-5', '--search'])).toBe('gpt-5');
    expect(argsModel(['-c', 'model_provider="x"'])).toBeNull();
    const home = stateDir();
    writeFileSync(join(home, 'config.toml'), '# mine\nmodel = "gpt-6.2-sol"  # the default\n\n[profiles.fast]\nmodel = "gpt-6-luna"\n');
    expect(configModel(home)).toBe('gpt-6.2-sol');
    writeFileSync(join(home, 'config.toml'), '[profiles.fast]\nmodel = "gpt-6-luna"\n');
    expect(configModel(home)).toBeNull();
    expect(configModel(stateDir())).toBeNull();
  });
});
