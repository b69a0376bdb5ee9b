// Installs the pinned agent CLIs (about 1.2 GB, native binaries inside the npm packages) into a cache outside
// the repository, once per set of versions, and prints where their binaries are. Run by `npm run test:clis`.
//   CONTROL_PLANE_CLI_CACHE   the cache directory (default: $XDG_CACHE_HOME or ~/.cache, then control-plane-mcp/clis)
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const versions = JSON.parse(readFileSync(new URL('./versions.json', import.meta.url), 'utf8'));
const binaries = { claude: 'claude', codex: 'codex', opencode: 'opencode' };

/** Where the pinned versions live: one directory per set of versions, so a bump installs afresh. */
export function cliDir() {
  const root = process.env.CONTROL_PLANE_CLI_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'control-plane-mcp', 'clis');
  const key = createHash('sha256').update(JSON.stringify(versions)).digest('hex').slice(0, 12);
  return join(root, key);
}

export const binDir = () => join(cliDir(), 'node_modules', '.bin');
const complete = (dir) => existsSync(join(dir, 'installed')) && Object.values(binaries).every((b) => existsSync(join(dir, 'node_modules', '.bin', b)));

export function install() {
  const dir = cliDir();
  if (complete(dir)) return { dir, reused: true };
  // Install beside, then move into place: an interrupted install never looks complete.
  const staging = `${dir}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  // Claude Code's and OpenCode's install scripts put their platform binary in place.
  const allowScripts = Object.fromEntries(Object.keys(versions).map((name) => [name, true]));
  writeFileSync(join(staging, 'package.json'), JSON.stringify({ name: 'control-plane-mcp-clis', private: true, allowScripts }));
  const specs = Object.entries(versions).map(([name, version]) => `${name}@${version}`);
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--no-save', '--loglevel=error', ...specs], { cwd: staging, stdio: ['ignore', 'inherit', 'inherit'] });
  writeFileSync(join(staging, 'installed'), JSON.stringify(versions));
  rmSync(dir, { recursive: true, force: true });
  renameSync(staging, dir);
  return { dir, reused: false };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  const { dir, reused } = install();
  const bin = join(dir, 'node_modules', '.bin');
  for (const b of Object.values(binaries)) {
    const version = execFileSync(join(bin, b), ['--version'], { encoding: 'utf8', env: { ...process.env, HOME: dir } }).trim();
    console.error(`${b}: ${version}`);
  }
  console.error(`agent CLIs ${reused ? 'reused from' : `installed in ${((Date.now() - started) / 1000).toFixed(0)} s into`} ${dir}`);
}
