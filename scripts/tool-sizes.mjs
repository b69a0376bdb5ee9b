// What each toolset and role costs a client in bytes and tokens: writes docs/tool-costs.md and prints its role
// and toolset tables. Run after npm run build: node scripts/tool-sizes.mjs
import { writeFileSync } from 'node:fs';
import { catalogue } from '../dist/tools/catalogue.js';
import { renderToolCosts } from '../dist/tools/costs.js';
import { Registry } from '../dist/tools/registry.js';

const markdown = renderToolCosts(new Registry(catalogue));
writeFileSync(new URL('../docs/tool-costs.md', import.meta.url), markdown);
console.log(markdown.slice(0, markdown.indexOf('## By tool\n')).trim());
console.log('\nwrote docs/tool-costs.md');
