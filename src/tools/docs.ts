import type { Registry } from './registry.js';

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** docs/tools.md, generated from the declarations (npm run docs); a test keeps the committed copy current. */
export function renderToolsMarkdown(registry: Registry): string {
  const out = ['# Tools', '', 'Generated from the function declarations by `npm run docs`; do not edit by hand.', ''];
  const toolsets = [...new Set(registry.functions.map((f) => f.toolset))];
  for (const toolset of toolsets) {
    out.push(`## ${toolset}`, '', '| tool | REST | hints | what it does |', '|---|---|---|---|');
    for (const f of registry.functions.filter((x) => x.toolset === toolset)) {
      const a = f.tool.annotations!;
      const hints = [a.readOnlyHint && 'read-only', a.destructiveHint && 'destructive', a.idempotentHint && 'idempotent', a.openWorldHint && 'open-world']
        .filter(Boolean)
        .join(', ');
      const rest = f.declaration.rest ? `\`${f.declaration.rest.method} ${f.declaration.rest.path}\`` : '';
      out.push(`| \`${f.name}\` | ${rest} | ${hints} | ${cell(f.declaration.description)} |`);
    }
    out.push('');
  }
  return out.join('\n');
}
