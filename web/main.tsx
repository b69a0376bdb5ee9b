// The dashboard: sign in (or not, on a --no-auth server), pick a realm (admins), and one page per view, kept
// live by the event stream. Pages are addressed by the URL's hash so a reload stays where it was.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { get } from './api.js';
import { connect } from './live.js';
import './run-tail.js';
import { AuditPage } from './pages/audit.js';
import { BoardPage } from './pages/board.js';
import { BudgetsPage } from './pages/budgets.js';
import { OrgPage } from './pages/org.js';
import { QueuePage } from './pages/queue.js';
import { RunsPage } from './pages/runs.js';
import { authMode, chooseRealm, connected, me, realmId, signIn, signInMessage, signedIn, signOut, token, version } from './state.js';
import './style.css';

const pages = [
  { path: 'org', label: 'Org chart', Page: OrgPage },
  { path: 'board', label: 'Board', Page: BoardPage },
  { path: 'budgets', label: 'Budgets', Page: BudgetsPage },
  { path: 'audit', label: 'Audit', Page: AuditPage },
  { path: 'runs', label: 'Runs & pulses', Page: RunsPage },
  { path: 'queue', label: 'Queue', Page: QueuePage },
] as const;

const currentPath = () => location.hash.replace(/^#\/?/, '') || 'org';

function SignIn() {
  const [value, setValue] = useState('');
  const [checking, setChecking] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setChecking(true);
    const response = await fetch('/readyz', { headers: { authorization: `Bearer ${value.trim()}` } }).catch(() => null);
    setChecking(false);
    if (response?.status === 401) {
      const body = await response.json().catch(() => null);
      signInMessage.value = body?.error?.message ?? 'the token was refused';
      return;
    }
    signIn(value.trim());
  };
  return (
    <main class="signin">
      <form class="card signin-card" onSubmit={submit}>
        <h1>control-plane</h1>
        <p class="muted">Sign in with an API token (control-plane-mcp token create). It is kept in this tab only.</p>
        <label>
          Token
          <input name="token" type="password" autocomplete="off" placeholder="cpt_…" value={value} onInput={(e) => setValue(e.currentTarget.value)} required />
        </label>
        {signInMessage.value && (
          <p class="error" role="alert">
            {signInMessage.value}
          </p>
        )}
        <button class="btn btn-primary" disabled={checking || !value.trim()}>
          {checking ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}

function RealmPicker() {
  const [realms, setRealms] = useState<{ id: string; name: string }[]>([]);
  const role = me.value?.role;
  // Realms made or deleted elsewhere appear here as they happen.
  const changed = version('realm.lifecycle').value;
  useEffect(() => {
    if (!role) return;
    if (role !== 'admin') {
      if (me.value!.realmId) chooseRealm(me.value!.realmId);
      // An operator may read its realm's name; an agent may not, and sees the id.
      if (role === 'operator') get(`/api/realms/${me.value!.realmId}`).then((r) => setRealms([r]), () => undefined);
      return;
    }
    get<{ realms: { id: string; name: string }[] }>('/api/realms', { limit: 1000 }).then((answer) => {
      setRealms(answer.realms);
      if (!answer.realms.some((r) => r.id === realmId.value) && answer.realms[0]) chooseRealm(answer.realms[0].id);
    });
  }, [role, changed]);
  if (role !== 'admin') {
    const name = realms[0]?.name ?? realmId.value;
    return <span class="realm-name" title={realmId.value ?? ''}>{name}</span>;
  }
  return (
    <select class="realm-picker" aria-label="realm" value={realmId.value ?? ''} onChange={(e) => chooseRealm(e.currentTarget.value)}>
      {realms.map((r) => (
        <option key={r.id} value={r.id}>
          {r.name} · {r.id.slice(6, 14)}
        </option>
      ))}
    </select>
  );
}

function Shell() {
  const [path, setPath] = useState(currentPath());
  useEffect(() => {
    const onHash = () => setPath(currentPath());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  useEffect(() => connect(), [token.value]);
  const page = pages.find((p) => p.path === path) ?? pages[0];
  return (
    <div class="app">
      <header class="topbar">
        <div class="brand">control-plane</div>
        <RealmPicker />
        <nav class="tabs">
          {pages.map((p) => (
            <a key={p.path} href={`#/${p.path}`} class={p === page ? 'tab active' : 'tab'} aria-current={p === page ? 'page' : undefined}>
              {p.label}
            </a>
          ))}
        </nav>
        <div class="status">
          <span class={connected.value ? 'live on' : 'live off'} data-live={connected.value ? 'on' : 'off'} title={connected.value ? 'live: changes appear as they happen' : 'reconnecting…'}>
            {connected.value ? 'live' : 'reconnecting'}
          </span>
          {me.value && (
            <span class="who" title={me.value.principalId}>
              {me.value.role} · {me.value.principalId}
            </span>
          )}
          {authMode.value === 'token' && (
            <button class="btn btn-quiet" onClick={() => signOut()}>
              Sign out
            </button>
          )}
        </div>
      </header>
      <main class="content">{realmId.value ? <page.Page key={`${page.path}:${realmId.value}`} /> : me.value ? <p class="empty">No realm yet: create one with realm_create.</p> : <p class="empty">Connecting…</p>}</main>
    </div>
  );
}

function App() {
  useEffect(() => {
    // A --no-auth server answers without a token: no sign-in then.
    fetch('/readyz').then((r) => (authMode.value = r.status === 401 ? 'token' : 'none'), () => (authMode.value = 'token'));
  }, []);
  if (authMode.value === null) return null;
  return signedIn.value ? <Shell /> : <SignIn />;
}

render(<App />, document.getElementById('app')!);
