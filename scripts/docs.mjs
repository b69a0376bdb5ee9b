// Writes docs/tools.md from the built registry: npm run docs
import { writeFileSync } from 'node:fs';
import { catalogue } from '../dist/tools/catalogue.js';
import { renderToolsMarkdown } from '../dist/tools/docs.js';
import { Registry } from '../dist/tools/registry.js';

writeFileSync(new URL('../docs/tools.md', import.meta.url), renderToolsMarkdown(new Registry(catalogue)));
console.log('wrote docs/tools.md');
