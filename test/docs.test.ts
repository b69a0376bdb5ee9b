import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { catalogue } from '../src/tools/catalogue.js';
import { renderToolsMarkdown } from '../src/tools/docs.js';
import { Registry } from '../src/tools/registry.js';

describe('docs', () => {
  it('docs/tools.md is what the declarations generate (run npm run docs after changing a declaration)', () => {
    expect(readFileSync(new URL('../docs/tools.md', import.meta.url), 'utf8')).toBe(renderToolsMarkdown(new Registry(catalogue)));
  });

  it('the README names every tool', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const d of catalogue) expect(readme, d.id).toContain(d.id.replace('::', '_'));
  });
});
