// Memory of a server holding the 10x data set (100k missions, 1M audit entries) while it serves lists for
// SECONDS (IN_FLIGHT at a time): RSS from /proc/<pid>/status every SAMPLE_MS. Then one council_verify of the
// whole chain, alone (a verify used to leave the heap much larger; beside lists it would take turns with them
// chunk by chunk and last minutes). Flat: RSS at the end of the lists within 10% of RSS after SETTLE_MS.
import { setTimeout as sleep } from 'node:timers/promises';
import { call, rssMiB, startOurs } from '../lib/mcp.mjs';

// 45 s keeps the whole suite under five minutes on two cores; the figure was taken over 10 minutes.
const SECONDS = Number(process.env.BENCH_RSS_SECONDS ?? 45);
const VERIFY = process.env.BENCH_RSS_VERIFY !== '0';
const SAMPLE_MS = 2000;
const SETTLE_MS = 6000;
const IN_FLIGHT = 2;
const MAX_MIB = 150;

/** Pages through missions (all, and by status) and the audit log, and sums the ledger, round and round. */
function listing(client, { dataRealm }) {
  const statuses = ['queued', 'complete', 'backlog'];
  let cursor;
  let before;
  let turn = 0;
  return async () => {
    switch (turn++ % 4) {
      case 0:
        await call(client, 'mission_list', { realmId: dataRealm, limit: 50, status: statuses[turn % statuses.length] });
        return;
      case 1:
        cursor = (await call(client, 'mission_list', { realmId: dataRealm, limit: 200, ...(cursor ? { cursor } : {}) })).nextCursor ?? undefined;
        return;
      case 2:
        before = (await call(client, 'council_activity_log', { realmId: dataRealm, limit: 200, ...(before ? { before } : {}) })).nextBefore ?? undefined;
        return;
      default:
        await call(client, 'ledger_summary', { realmId: dataRealm });
    }
  };
}

/** `big`: {db, seeded, scale}; `baselineRss`: the bare SDK server's RSS after the call rows (MiB), if they ran. */
export async function rssRows(big, baselineRss) {
  const server = await startOurs(big.db);
  const serve = listing(server.client, big.seeded);
  const samples = [];
  let served = 0;
  let stop = false;
  const deadline = Date.now() + SECONDS * 1000;
  const workers = Array.from({ length: IN_FLIGHT }, async () => {
    while (!stop) {
      await serve();
      served++;
    }
  });
  while (Date.now() < deadline) {
    samples.push(rssMiB(server.pid));
    await sleep(SAMPLE_MS);
  }
  stop = true;
  await Promise.all(workers);
  const afterLists = rssMiB(server.pid);
  samples.push(afterLists);
  let verifyMs = null;
  if (VERIFY) {
    const t = Date.now();
    let verifying = true;
    const sampling = (async () => {
      while (verifying) {
        samples.push(rssMiB(server.pid));
        await sleep(SAMPLE_MS / 4);
      }
    })();
    const result = await call(server.client, 'council_verify', { realmId: big.seeded.dataRealm }, { timeout: 600_000 }).finally(() => (verifying = false));
    verifyMs = Date.now() - t;
    await sampling;
    if (!result.valid || result.entryCount < big.scale.audit) throw new Error(`council_verify: ${JSON.stringify(result)}`);
    samples.push(rssMiB(server.pid));
  }
  await server.close();

  const settled = samples[Math.min(samples.length - 1, SETTLE_MS / SAMPLE_MS)];
  const [start, end, peak] = [samples[0], samples.at(-1), Math.max(...samples)];
  const flat = afterLists <= settled * 1.1;
  const f = (x) => x.toFixed(0);
  const verified = verifyMs === null ? '' : `, ${f(end)} after a verify (${(verifyMs / 1000).toFixed(1)} s)`;
  return [{
    what: `RSS, 100k missions + 1M audit entries, serving lists for ${SECONDS} s${VERIFY ? ', then one council_verify' : ''}`,
    measured: `${f(start)} at start, ${f(settled)} after ${SETTLE_MS / 1000} s, ${f(afterLists)} after ${served.toLocaleString('en')} lists (${flat ? 'flat' : 'rising'})${verified}; peak ${f(peak)} MiB`,
    baseline: baselineRss ? `${f(baselineRss)} MiB (bare SDK server)` : '-',
    ratio: baselineRss ? peak / baselineRss : null,
    target: `<= ${MAX_MIB} MiB, flat`,
    met: peak <= MAX_MIB && flat,
  }];
}
