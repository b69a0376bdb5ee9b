// The audit chain, newest first, with filters and the head hash; Verify walks the whole chain with
// council_verify in slices (each overlapping the last by one entry, so every link is checked, and the last
// reaching the head, so a cut-off end is noticed too), showing how far it got and the first broken entry.
import { useState } from 'preact/hooks';
import { ApiError, get } from '../api.js';
import { shortHash, time } from '../format.js';
import { useData } from '../use-data.js';
import { Card, Empty, ErrorLine, Pill } from '../widgets.js';
import { realmId } from '../state.js';

interface Entry {
  seq: number;
  actorKind: string;
  actorId: string;
  action: string;
  entityType: string;
  entityId: string;
  details: unknown;
  hash: string;
  prevHash: string;
  timestamp: string;
}
interface Verdict {
  valid: boolean;
  entryCount: number;
  headHash: string | null;
  firstInvalidSeq: number | null;
  reason: string | null;
}

const PAGE = 50;

function Verify({ head }: { head: number }) {
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [verdict, setVerdict] = useState<Verdict | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const run = async () => {
    const realm = realmId.value!;
    setVerdict(null);
    setError(null);
    const total = Math.max(head, 1);
    const slice = Math.max(200, Math.ceil(total / 20));
    let checked = 0;
    try {
      setProgress({ done: 0, total });
      for (let start = 1; start <= total; start += slice) {
        const toSeq = start + slice - 1 >= total ? undefined : start + slice - 1;
        const part = await get<Verdict>(`/api/council/verify/${realm}`, { fromSeq: Math.max(1, start - 1), toSeq });
        if (!part.valid) {
          // The bar stops before the first broken entry.
          checked = Math.max(0, (part.firstInvalidSeq ?? start) - 1);
          setVerdict(part);
          return;
        }
        checked = Math.min(total, toSeq ?? total);
        setProgress({ done: checked, total });
        if (toSeq === undefined) setVerdict({ ...part, entryCount: total });
      }
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, 'internal', String(e), null));
    } finally {
      setProgress((p) => (p ? { ...p, done: checked } : p));
    }
  };
  const running = progress !== null && verdict === null && error === null && progress.done < progress.total;
  return (
    <div class="verify">
      <button class="btn btn-primary" onClick={run} disabled={running}>
        {running ? 'Verifying…' : 'Verify chain'}
      </button>
      {progress && (
        <div class="verify-progress">
          <progress max={progress.total} value={progress.done} />
          <span>
            {progress.done} / {progress.total} entries
          </span>
        </div>
      )}
      {verdict && (
        <p class={verdict.valid ? 'verdict ok' : 'verdict bad'} data-verdict={verdict.valid ? 'valid' : 'invalid'} role="status">
          {verdict.valid
            ? `✓ The chain is intact: ${verdict.entryCount} entries, head ${shortHash(verdict.headHash)}`
            : `✗ The chain is broken at seq ${verdict.firstInvalidSeq}: ${verdict.reason}`}
        </p>
      )}
      <ErrorLine error={error} />
    </div>
  );
}

export function AuditPage() {
  const [filters, setFilters] = useState({ action: '', actorId: '', entityId: '' });
  const [pages, setPages] = useState(1);
  const { data, error } = useData(
    (realm) => get<{ entries: Entry[]; nextBefore: number | null }>(`/api/council/activity/${realm}`, { limit: PAGE * pages, ...filters }),
    ['audit.appended'],
    [filters.action, filters.actorId, filters.entityId, pages],
  );
  const head = useData((realm) => get<{ entries: Entry[] }>(`/api/council/activity/${realm}`, { limit: 1 }), ['audit.appended']);
  const newest = head.data?.entries[0];
  const field = (name: keyof typeof filters, label: string) => (
    <input
      aria-label={label}
      placeholder={label}
      value={filters[name]}
      onChange={(e) => {
        setPages(1);
        setFilters({ ...filters, [name]: e.currentTarget.value.trim() });
      }}
    />
  );
  return (
    <div class="stack">
      <Card title="Chain head">
        <div class="head-line">
          <span>
            seq <strong>{newest?.seq ?? 0}</strong>
          </span>
          <code class="hash" title={newest?.hash} data-head-hash={newest?.hash ?? ''}>
            {newest?.hash ?? 'empty chain'}
          </code>
        </div>
        <Verify head={newest?.seq ?? 0} />
      </Card>
      <Card title="Audit trail" actions={<div class="filters">{field('action', 'action')}{field('actorId', 'actor')}{field('entityId', 'entity')}</div>}>
        <ErrorLine error={error ?? head.error} />
        {data && data.entries.length === 0 && <Empty>No entries match.</Empty>}
        {data && data.entries.length > 0 && (
          <div class="table-scroll">
            <table class="table audit">
              <thead>
                <tr>
                  <th class="num">seq</th>
                  <th>when</th>
                  <th>actor</th>
                  <th>action</th>
                  <th>entity</th>
                  <th>hash</th>
                </tr>
              </thead>
              <tbody>
                {data.entries.map((e) => (
                  <tr key={e.seq} data-seq={e.seq}>
                    <td class="num">{e.seq}</td>
                    <td>{time(e.timestamp)}</td>
                    <td>
                      <Pill kind={`actor-${e.actorKind}`}>{e.actorKind}</Pill> {e.actorId}
                    </td>
                    <td>
                      <strong>{e.action}</strong>
                    </td>
                    <td title={JSON.stringify(e.details)}>
                      {e.entityType} <code>{e.entityId}</code>
                    </td>
                    <td>
                      <code title={e.hash}>{shortHash(e.hash)}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {data?.nextBefore != null && (
          <button class="btn" onClick={() => setPages(pages + 1)}>
            Older entries
          </button>
        )}
      </Card>
    </div>
  );
}
