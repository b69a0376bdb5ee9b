import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { catalogue } from '../src/tools/catalogue.js';
import { renderToolCosts } from '../src/tools/costs.js';
import { Registry } from '../src/tools/registry.js';

describe('docs/tool-costs.md', () => {
  it('is what the registry measures (run npm run docs after changing a tool)', () => {
    expect(readFileSync(new URL('../docs/tool-costs.md', import.meta.url), 'utf8')).toBe(renderToolCosts(new Registry(catalogue)));
  });

  it('counts the bytes of the tools/list answer each role gets', () => {
    const registry = new Registry(catalogue);
    const agentTools = registry.functionsFor('agent').map((f) => f.tool);
    const agentRow = renderToolCosts(registry).split('\n').find((line) => line.startsWith('| **agent** |'))!;
    expect(agentRow).toContain(`| ${agentTools.length} |`);
    expect(agentRow).toContain(`| ${Buffer.byteLength(JSON.stringify({ tools: agentTools })).toLocaleString('en')} |`);
  });
});
