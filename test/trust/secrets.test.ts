// A planted corpus of realistic secrets (test/fixtures/secrets-corpus.json): in nested objects, arrays,
// headers, environment variables and free text. None may leave through an export, a runtime's output or the
// audit chain; the harmless look-alikes (token counts, ids, hashes) must come through unchanged.
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { isSecretKey, scrub } from '../../src/domain/secrets.js';
import { testApp, connect } from '../helpers/connect.js';
import { rawSql } from '../helpers/raw-sql.js';

interface Planted {
  where: 'env' | 'header' | 'metadata' | 'array' | 'note' | 'details';
  key: string;
  value: unknown;
  secret: string;
}
const corpus = JSON.parse(readFileSync(new URL('../fixtures/secrets-corpus.json', import.meta.url), 'utf8')) as { secrets: Planted[]; harmless: Record<string, unknown> };
const planted = (where: Planted['where']) => corpus.secrets.filter((s) => s.where === where);

/** `a.b` → {a: {b: value}}, merged into `into`. */
function nest(into: Record<string, any>, path: string, value: unknown) {
  const parts = path.split('.');
  let at = into;
  for (const p of parts.slice(0, -1)) at = at[p] ??= {};
  at[parts.at(-1)!] = value;
  return into;
}

/** The planted secrets still readable in `text`. */
const survivors = (text: string) => corpus.secrets.filter((s) => text.includes(s.secret));

let app: App;
let s: Awaited<ReturnType<typeof connect>>;
let realmId: string;
beforeAll(async () => {
  app = await testApp({ db: ':memory:', logger: pino({ level: 'silent' }), scheduler: false });
  s = await connect({ app });
  const metadata: Record<string, any> = { harmless: corpus.harmless };
  for (const p of [...planted('metadata'), ...planted('array')]) nest(metadata, p.key, p.value);
  metadata.notes = planted('note').map((p) => p.value);
  realmId = (await s.call('realm_create', { name: 'leaky', owner: 'o', metadata })).id;
  await s.call('hierarchy_set', { realmId, agentId: 'agent-a' });
  for (const [i, p] of planted('note').entries()) await s.call('mission_create', { realmId, title: `m${i}`, createdBy: 'o', description: p.value as string });
  const details = Object.fromEntries(planted('details').map((p) => [p.key, p.value]));
  await s.call('council_activity', { realmId, actorKind: 'agent', actorId: 'agent-a', action: 'configured', entityType: 'service', entityId: 'api', details });
  await s.call('council_submit', { realmId, kind: 'custom', title: 'settings', requestedBy: 'agent-a', payload: { settings: metadata } });
});
afterAll(async () => {
  await s.close();
  await app.close();
});

describe('the secret detector', () => {
  it('finds every planted secret, alone, and leaves the harmless look-alikes as they are', () => {
    const scrubbed = JSON.stringify(scrub(corpus.secrets.map((p) => ({ [p.key]: p.value }))).value);
    expect(survivors(scrubbed).map((p) => `${p.where} ${p.key}`)).toEqual([]);
    expect(scrub(corpus.harmless)).toEqual({ value: corpus.harmless, redacted: 0 });
  });

  it('reads keys by their words: the spec\'s names, widened, and no counts', () => {
    for (const key of ['password', 'db_passwd', 'pwd', 'pin', 'otp', 'cookie', 'Set-Cookie', 'session', 'sessionId', 'jwt', 'privateKey', 'webhook_secret',
      'accessKeyId', 'AWS_ACCESS_KEY_ID', 'STRIPE_KEY', 'x-api-key', 'proxy-authorization', 'accessToken', 'refresh_token', 'clientSecret',
      'PGPASSWORD', 'MYSQL_ROOTPASSWORD', 'DB_PASS', 'SMTP_PASS', 'GITHUB_PAT', 'CREDS', 'clientsecret']) {
      expect(isSecretKey(key), key).toBe(true);
    }
    for (const key of ['inputTokens', 'outputTokens', 'tokenCount', 'author', 'keyboard', 'primaryKey', 'sortKey', 'passwordLength', 'tokenType', 'otpEnabled', 'pinned', 'footprint', 'monkey',
      'passRate', 'pass_through', 'patId', 'secretary', 'compass', 'path']) {
      expect(isSecretKey(key), key).toBe(false);
    }
  });
});

describe('secrets planted in a realm', () => {
  it('do not leave in its export (at least 95% of the corpus; the harmless values arrive intact)', async () => {
    const rt = await s.call('bridge_register', {
      kind: 'http', name: 'api', realmId, url: 'https://api.example.com/run',
      envVars: Object.fromEntries(planted('env').map((p) => [p.key, p.value])),
      headers: Object.fromEntries(planted('header').map((p) => [p.key, p.value])),
    });
    void rt;
    const doc = await s.call('realm_export', { id: realmId });
    const text = JSON.stringify(doc);
    const left = survivors(text);
    expect(left.length / corpus.secrets.length).toBeLessThanOrEqual(0.05);
    expect(left.map((p) => `${p.where} ${p.key}`)).toEqual([]);
    expect(doc.realm.metadata.harmless).toEqual(corpus.harmless);
    expect(doc.redactedCount).toBeGreaterThanOrEqual(corpus.secrets.length);
  });

  it('are never echoed by bridge_register or bridge_list', async () => {
    const rt = await s.call('bridge_register', {
      kind: 'http', name: 'api2', realmId, url: 'https://api.example.com/run',
      envVars: { ...Object.fromEntries(planted('env').map((p) => [p.key, p.value])), MODE: 'fast', INPUT_TOKENS: '1000' },
      headers: Object.fromEntries(planted('header').map((p) => [p.key, p.value])),
    });
    expect(survivors(JSON.stringify(rt))).toEqual([]);
    expect(rt.envVars).toMatchObject({ MODE: 'fast', INPUT_TOKENS: '1000' });
    expect(survivors(JSON.stringify(await s.call('bridge_list', { realmId })))).toEqual([]);
  });

  it('never enter the audit chain, which still verifies', async () => {
    const log = await s.call('council_activity_log', { realmId, limit: 1000 });
    expect(survivors(JSON.stringify(log))).toEqual([]);
    const configured = log.entries.find((e: { action: string }) => e.action === 'configured');
    expect(configured.details).toMatchObject({ password: '[REDACTED]', apiKey: '[REDACTED]', credentials: '[REDACTED]' });
    expect(configured.details.url).toBe(`amqp://guest:[REDACTED]@mq:5672/`);
    const rows = await rawSql(app).all<{ details: string | null }>('SELECT details FROM audit_entries');
    expect(survivors(rows.map((r) => r.details ?? '').join('\n'))).toEqual([]);
    expect((await s.call('council_verify', { realmId })).valid).toBe(true);
  });
});

describe('a run that prints its secrets', () => {
  it('has them masked in the stored output and in the live output stream', async () => {
    // What an agent printing its environment would show: the control plane's DATABASE_URL, its API key.
    const printed = ['DATABASE_URL=postgres://control:s3cr3t-pg-pass@db.internal:5432/cp', 'ANTHROPIC_API_KEY=sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789', 'all done'];
    const script = `for (const line of ${JSON.stringify(printed)}) console.log(line)`;
    const runtime = await s.call('bridge_register', { kind: 'process', name: 'printer', realmId, command: process.execPath, args: ['-e', script] });
    const live: string[] = [];
    const stop = app.bus.subscribe('*', (m) => void (m.topic === 'bridge.run.output' && live.push(String(m.payload.text))));
    const run = await s.call('bridge_invoke', { runtimeId: runtime.id, agentId: 'agent-a', context: {}, wait: true });
    stop();
    expect(run.status).toBe('completed');
    for (const text of [run.output as string, live.join('')]) {
      expect(text).toContain('all done');
      expect(text).toContain('postgres://control:[REDACTED]@db.internal:5432/cp');
      expect(text).not.toContain('s3cr3t-pg-pass');
      expect(text).not.toContain('abcdefghijklmnopqrstuvwxyz0123456789');
    }
    const [stored] = await rawSql(app).all<{ output: string }>('SELECT output FROM bridge_runs WHERE id = ?', run.id);
    expect(stored!.output).not.toContain('s3cr3t-pg-pass');
  });
});
