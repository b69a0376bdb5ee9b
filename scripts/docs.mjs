// Writes the generated docs from the built registry: npm run docs
//   docs/tools.md       every tool, with its complete schemas
//   docs/tool-costs.md  what each role, toolset and tool costs a client in tools/list bytes and tokens
import { writeFileSync } from 'node:fs';
import { catalogue } from '../dist/tools/catalogue.js';
import { renderToolCosts } from '../dist/tools/costs.js';
import { renderToolsMarkdown } from '../dist/tools/docs.js';
import { Registry } from '../dist/tools/registry.js';

const registry = new Registry(catalogue);
for (const [file, render] of [['tools.md', renderToolsMarkdown], ['tool-costs.md', renderToolCosts]]) {
  writeFileSync(new URL(`../docs/${file}`, import.meta.url), render(registry));
  console.log(`wrote docs/${file}`);
}
