// The dashboard end to end, as an operator uses it: a real --http server on a real SQLite file, Debian's
// Chromium, real tokens. Screenshots of each page go to docs/screenshots/.
import Database from 'better-sqlite3';
import type { BrowserContext, Page } from 'playwright-core';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpClient, makeToken, startHttp } from '../../helpers/http.js';
import { tempDb } from '../../helpers/processes.js';
import { seedCompany, type Seeded } from '../seed.js';
import { launch } from './browser.js';

const shots = fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url));
const db = tempDb();
let server: Awaited<ReturnType<typeof startHttp>>;
let browser: BrowserContext;
let admin: string;
let seeded: Seeded;
/** What the pages logged as errors (a script error, a CSP violation, a failed load): there must be none. */
const pageErrors: string[] = [];

beforeAll(async () => {
  server = await startHttp(db);
  admin = makeToken(db, 'admin', { name: 'e2e admin' });
  seeded = await seedCompany(server.url, admin);
  browser = await launch();
  browser.on('page', (page) => {
    page.on('pageerror', (error) => pageErrors.push(`${page.url()}: ${error.message}`));
    page.on('console', (message) => {
      // Expected: the wrong token (401), the agent token's refusals (403: spend it may not read, the release it
      // may not make), the connection lost while the server restarts.
      if (message.type() === 'error' && !/status of 40[13]|ERR_CONNECTION_REFUSED|ERR_INCOMPLETE_CHUNKED_ENCODING|network error/i.test(message.text())) pageErrors.push(`${page.url()}: ${message.text()}`);
    });
  });
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

// (globalThis in page.evaluate is the page's window: this file is type-checked for Node, without the DOM's types.)
const shoot = (page: Page, name: string) => page.screenshot({ path: `${shots}${name}.png`, fullPage: true });

async function signIn(page: Page, token: string) {
  await page.goto(server.url);
  await page.getByLabel('Token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('[data-live="on"]').waitFor();
}

describe('the dashboard in Chromium', () => {
  let page: Page;

  it('signs in with a token, refusing a wrong one, and keeps it in the session only', async () => {
    page = await browser.newPage();
    await page.goto(server.url);
    await page.getByLabel('Token').fill('cpt_not-a-real-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/not one of ours|not known/);
    await shoot(page, 'sign-in');
    await signIn(page, admin);
    expect(await page.evaluate(() => ({ session: (globalThis as any).sessionStorage.getItem('control-plane-token'), local: (globalThis as any).localStorage.length }))).toEqual({ session: admin, local: 0 });
  });

  it("draws the realm's agents as a tree", async () => {
    await page.locator('[data-agent="agent-dev2"]').waitFor();
    // Each report sits in a list under its manager's card.
    const under = (manager: string, report: string) => page.locator(`li:has(> [data-agent="${manager}"]) > ul > li > [data-agent="${report}"]`).count();
    expect(await under('agent-ceo', 'agent-cto')).toBe(1);
    expect(await under('agent-ceo', 'agent-cfo')).toBe(1);
    expect(await under('agent-cto', 'agent-dev1')).toBe(1);
    expect(await under('agent-cto', 'agent-dev2')).toBe(1);
    expect(await under('agent-ceo', 'agent-dev1')).toBe(0);
    await expect.poll(() => page.locator('[data-agent="agent-dev1"]').textContent()).toContain('$43.50 / $50.00');
    await shoot(page, 'org-chart');
  });

  it('shows a checkout made through MCP on the board without a reload', async () => {
    await page.getByRole('link', { name: 'Board' }).click();
    const card = page.locator(`[data-mission="${seeded.missions.queued}"]`);
    await expect.poll(() => card.getAttribute('data-status')).toBe('queued');
    await page.evaluate(() => ((globalThis as any).notReloaded = true));
    const agent = await httpClient(server.url, makeToken(db, 'agent', { realm: seeded.realmId, agent: 'agent-dev1' }));
    await agent.call('mission_checkout', { id: seeded.missions.queued });
    await page.locator(`[data-column="active"] [data-mission="${seeded.missions.queued}"]`).waitFor({ timeout: 5000 });
    await agent.close();
    expect(await page.evaluate(() => (globalThis as any).notReloaded)).toBe(true);
    await shoot(page, 'board');
  });

  it("runs an operator action through the API, and shows the API's refusal to an agent token", async () => {
    const dead = page.locator(`[data-mission="${seeded.missions.failed}"]`);
    await dead.getByRole('button', { name: 'Requeue' }).click();
    await page.locator(`[data-column="queued"] [data-mission="${seeded.missions.failed}"]`).waitFor();

    const agentPage = await browser.newPage();
    await signIn(agentPage, makeToken(db, 'agent', { realm: seeded.realmId, agent: 'agent-dev2' }));
    await agentPage.getByRole('link', { name: 'Board' }).click();
    const held = agentPage.locator(`[data-mission="${seeded.missions.queued}"]`);
    await held.getByRole('button', { name: 'Release' }).click();
    await expect.poll(() => held.getByRole('alert').textContent()).toMatch(/^forbidden/);
    expect(await held.getAttribute('data-status')).toBe('active');
    // An agent token reads its realm but not the others, nor their spend.
    expect(await agentPage.locator('select[aria-label="realm"]').count()).toBe(0);
    await shoot(agentPage, 'board-agent-refused');
    await agentPage.close();
  });

  it('shows budgets, runs and pulses, and the queue', async () => {
    await page.getByRole('link', { name: 'Budgets' }).click();
    await page.locator('[data-chart="burn"] canvas').waitFor();
    expect(await page.locator('[data-budget="realm"]').textContent()).toContain('$98.00 of $500.00');
    await shoot(page, 'budgets');
    await page.getByRole('link', { name: 'Runs & pulses' }).click();
    await page.getByText('Nothing is running.').waitFor();
    await page.locator('[data-pulse="agent-cfo"]').waitFor();
    const call = async (path: string, body: unknown): Promise<any> => (await fetch(`${server.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })).json();
    // A pulse woken by hand appears among the recent pulse runs as it happens.
    const woken = await call('/api/pulse/invoke', { realmId: seeded.realmId, agentId: 'agent-cfo' });
    await page.locator(`[data-pulse-run="${woken.id}"]`).waitFor();
    // A run that prints for a while: it shows in the running list with its output arriving live.
    const script = "(async () => { for (const i of [1, 2, 3, 4]) { console.log('calibrating joint ' + i + ' of 4… ok'); await new Promise((r) => setTimeout(r, 400)); } })()";
    const runtime = await call('/api/bridge/runtimes', { kind: 'process', name: 'calibrator', realmId: seeded.realmId, command: process.execPath, args: ['-e', script] });
    const run = await call('/api/bridge/invoke', { runtimeId: runtime.id, agentId: 'agent-cfo', context: {} });
    await page.locator(`[data-run="${run.id}"]`).waitFor();
    const tail = page.locator(`[data-tail="${run.id}"] pre`);
    await expect.poll(() => tail.textContent()).toContain('joint 2 of 4');
    expect(await tail.textContent()).not.toContain('joint 4 of 4');
    await shoot(page, 'runs-and-pulses');
    await expect.poll(() => tail.textContent(), { timeout: 5000 }).toContain('joint 4 of 4');
    await page.getByText('Nothing is running.').waitFor();
    // Finished, it moves to the recent runs.
    expect(await page.locator(`[data-recent-run="${run.id}"]`).textContent()).toContain('completed');
    await page.getByRole('link', { name: 'Queue' }).click();
    await page.locator('[data-stat="active"]').waitFor();
    // The CTO's mission and the one agent-dev1 checked out above.
    expect(await page.locator('[data-stat="active"] .stat-value').textContent()).toBe('2');
    await shoot(page, 'queue');
  });

  it('verifies the audit chain: valid, then broken after the database is tampered with', async () => {
    await page.getByRole('link', { name: 'Audit' }).click();
    await page.getByRole('button', { name: 'Verify chain' }).click();
    await expect.poll(() => page.locator('[data-verdict]').getAttribute('data-verdict')).toBe('valid');
    expect(await page.locator('progress').evaluate((p: any) => p.value === p.max)).toBe(true);
    await shoot(page, 'audit');

    const file = new Database(db);
    const changed = file.prepare("UPDATE audit_entries SET actor_id = 'human:intruder' WHERE realm_id = ? AND seq = 3").run(seeded.realmId).changes;
    file.close();
    expect(changed).toBe(1);
    await page.getByRole('button', { name: 'Verify chain' }).click();
    await expect.poll(() => page.locator('[data-verdict]').getAttribute('data-verdict')).toBe('invalid');
    expect(await page.locator('[data-verdict]').textContent()).toContain('broken at seq 3');
    // The bar stops before the broken entry.
    expect(await page.locator('progress').evaluate((p: any) => p.value)).toBe(2);
    await shoot(page, 'audit-tampered');
  });

  it('reconnects after the server restarts and is live again', async () => {
    await page.getByRole('link', { name: 'Board' }).click();
    const port = new URL(server.url).port;
    await server.stop();
    await page.locator('[data-live="off"]').waitFor();
    server = await startHttp(db, ['--port', port]);
    await page.locator('[data-live="on"]').waitFor({ timeout: 10_000 });
    const agent = await httpClient(server.url, makeToken(db, 'agent', { realm: seeded.realmId, agent: 'agent-dev1' }));
    await agent.call('mission_release', { id: seeded.missions.queued });
    await agent.close();
    await page.locator(`[data-column="queued"] [data-mission="${seeded.missions.queued}"]`).waitFor({ timeout: 3000 });
  });

  it('draws the org chart and the board as MCP Apps views inside a host frame, from real tool results', async () => {
    const mcp = await httpClient(server.url, admin);
    for (const [tool, uri, args, marker, shot] of [
      ['hierarchy_tree', 'ui://control-plane/org-chart.html', { realmId: seeded.realmId }, '[data-agent="agent-dev2"]', 'mcp-app-org-chart'],
      ['mission_list', 'ui://control-plane/board.html', { realmId: seeded.realmId }, `[data-column="active"] [data-mission="${seeded.missions.active}"]`, 'mcp-app-board'],
    ] as const) {
      const html = ((await mcp.client.readResource({ uri })).contents[0] as { text: string }).text;
      const result = await mcp.client.callTool({ name: tool, arguments: args });
      const host = await browser.newPage();
      await host.setContent('<!doctype html><body style="margin:0"></body>');
      // The host's side of MCP Apps, as small as it gets: answer ui/initialize, then hand the view the result.
      await host.evaluate(
        ({ html, result }) => {
          const g = globalThis as any;
          const frame = g.document.createElement('iframe');
          frame.srcdoc = html;
          frame.style.cssText = 'width:1200px;height:760px;border:0';
          g.addEventListener('message', (event: any) => {
            const message = event.data;
            if (message?.jsonrpc !== '2.0' || event.source !== frame.contentWindow) return;
            const answer = (body: object) => frame.contentWindow.postMessage({ jsonrpc: '2.0', ...body }, '*');
            if (message.method === 'ui/initialize') {
              answer({ id: message.id, result: { protocolVersion: message.params.protocolVersion, hostInfo: { name: 'e2e-host', version: '1.0.0' }, hostCapabilities: {}, hostContext: { theme: 'light' } } });
            } else if (message.method === 'ui/notifications/initialized') {
              answer({ method: 'ui/notifications/tool-result', params: result });
            } else if (message.id !== undefined) {
              answer({ id: message.id, result: {} });
            }
          });
          g.document.body.append(frame);
        },
        { html, result },
      );
      await host.frameLocator('iframe').locator(marker).waitFor({ timeout: 5000 });
      await shoot(host, shot);
      await host.close();
    }
    await mcp.close();
  });

  it('lets an admin switch realms, each page then showing the chosen one', async () => {
    const other: any = await (await fetch(`${server.url}/api/realms`, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Beta Labs', owner: 'human:b' }) })).json();
    await fetch(`${server.url}/api/hierarchy`, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: JSON.stringify({ realmId: other.id, agentId: 'agent-solo', title: 'Founder' }) });
    await page.getByRole('link', { name: 'Org chart' }).click();
    await page.locator('[data-agent="agent-ceo"]').waitFor();
    await page.locator('select[aria-label="realm"]').selectOption(other.id);
    await page.locator('[data-agent="agent-solo"]').waitFor();
    expect(await page.locator('[data-agent="agent-ceo"]').count()).toBe(0);
    await page.locator('select[aria-label="realm"]').selectOption(seeded.realmId);
    await page.locator('[data-agent="agent-ceo"]').waitFor();
  });

  it('needs no sign-in from a --no-auth server on loopback (the local admin)', async () => {
    const open = await startHttp(db, ['--no-auth']);
    const local = await browser.newPage();
    await local.goto(open.url);
    await local.locator('[data-live="on"]').waitFor();
    expect(await local.getByLabel('Token').count()).toBe(0);
    expect(await local.locator('.who').textContent()).toContain('admin');
    await local.close();
    await open.stop();
  });

  it('logged no script error and no Content-Security-Policy violation on any page', () => {
    expect(pageErrors).toEqual([]);
  });

  it('reads well on a phone and in the dark', async () => {
    const phone = await launch({ width: 390, height: 844, dark: true });
    const small = await phone.newPage();
    await signIn(small, admin);
    // Realms are listed newest first: Beta Labs, made above, comes before the seeded one.
    await small.locator('select[aria-label="realm"]').selectOption(seeded.realmId);
    await small.locator('[data-agent="agent-dev2"]').waitFor();
    // Nothing but the chart's own scroller is wider than the screen.
    expect(await small.evaluate(() => (globalThis as any).document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await shoot(small, 'org-chart-phone-dark');
    await small.getByRole('link', { name: 'Board' }).click();
    await small.locator('[data-column="queued"]').waitFor();
    await shoot(small, 'board-phone-dark');
    await phone.close();
  });
});
