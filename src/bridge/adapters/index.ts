import type { RuntimeKind } from '../../domain/bridge/model.js';
import type { Adapter } from '../types.js';
import { claudeCode } from './claude-code.js';
import { cliAdapter } from './cli.js';
import { codex } from './codex.js';
import { cursor } from './cursor.js';
import { httpAdapter } from './http.js';
import { opencode } from './opencode.js';
import { processAdapter } from './process.js';

/** One adapter per runtime kind. */
export const adapters: Record<RuntimeKind, Adapter> = {
  process: processAdapter,
  custom: processAdapter,
  http: httpAdapter,
  claude_code: cliAdapter(claudeCode),
  codex: cliAdapter(codex),
  cursor: cliAdapter(cursor),
  opencode: cliAdapter(opencode),
};

