// The org chart as an MCP Apps view: hierarchy_tree's result drawn as the dashboard draws it.
import { render } from 'preact';
import { useState } from 'preact/hooks';
import { OrgTree, type OrgNode } from '../org-tree.js';
import { Empty } from '../widgets.js';
import { connectView } from './host.js';
import '../style.css';
import './apps.css';

function View() {
  const [roots, setRoots] = useState<OrgNode[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [view] = useState(() => connectView<{ roots: OrgNode[] }>('control-plane org chart', 'hierarchy_tree', (r) => (setError(null), setRoots(r.roots)), setError));
  return (
    <main class="app-view">
      <header class="app-head">
        <h2>Org chart</h2>
        <button class="btn" onClick={() => view.refresh().catch((e: Error) => setError(e.message))}>Refresh</button>
      </header>
      {error && <p class="error">{error}</p>}
      {roots === null ? <Empty>Waiting for hierarchy_tree…</Empty> : roots.length === 0 ? <Empty>No agents yet.</Empty> : <OrgTree roots={roots} />}
    </main>
  );
}

render(<View />, document.getElementById('app')!);
