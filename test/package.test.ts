import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const markdown = ['README.md', 'docs/architecture.md', 'docs/decisions.md', 'docs/performance.md', 'docs/tools.md'];

describe('the package a stranger installs', () => {
  it('packs the built server, its migrations, the README and the licence, and nothing of the tests', () => {
    // --ignore-scripts: prepack would rebuild dist/ under the other test files' feet; it is checked below.
    const [packed] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' }));
    const files: string[] = packed.files.map((f: { path: string }) => f.path);
    expect(files).toEqual(expect.arrayContaining(['dist/cli.js', 'dist/server.js', 'drizzle/0000_core.sql', 'drizzle/meta/_journal.json', 'LICENSE', 'README.md', 'package.json']));
    expect(files.filter((f) => /^(test|src|bench|scripts)\//.test(f) || f.includes('_snapshot'))).toEqual([]);
    expect(pkg.scripts.prepack).toMatch(/build/);
    expect(pkg.bin['control-plane-mcp']).toBe('dist/cli.js');
  });

  it('declares the licence it ships and the Node versions CI tests', () => {
    expect(pkg.license).toBe('MIT');
    expect(readFileSync(join(root, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
    expect(pkg.engines.node).toBe('^20.11 || ^24');
    expect(readFileSync(join(root, 'README.md'), 'utf8')).toContain('Node 20 (20.11 or later) or Node 24');
    expect(readFileSync(join(root, '.ci/run'), 'utf8')).toContain('node@24');
  });

  it('has docs that stand alone: no path outside the repository, and every relative link resolves', () => {
    for (const file of markdown) {
      const text = readFileSync(join(root, file), 'utf8');
      expect(text, file).not.toMatch(/\.\.\/shared|\]\(\.\.\//);
      for (const [, target] of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue;
        expect(existsSync(join(dirname(join(root, file)), target!)), `${file} links to ${target}`).toBe(true);
      }
    }
  });
});
