// A worker process of Store.checkChain (chain-workers.ts): checks one stretch of a realm's chain on its own
// read-only connection, in one snapshot, the way verify's walk does (AuditRepo.links into a chainVerifier),
// and sends the stretch back. It loads no drizzle and no zod: they would double its start.
import { chainVerifier } from '../../domain/audit/chain-verifier.js';
import { Database } from './driver.js';
import { auditLinks } from './repos/audit-links.js';
import type { StretchJob } from './chain-workers.js';

const { file, realmId, fromSeq, toSeq } = JSON.parse(process.argv[2]!) as StretchJob;
const db = new Database(file, { readonly: true, fileMustExist: true });
try {
  db.pragma('busy_timeout = 5000');
  const verifier = chainVerifier(fromSeq);
  db.prepare('BEGIN').run();
  // A SQLite store's steps never yield: one next() runs the read to its end.
  auditLinks(db)(realmId, fromSeq, toSeq - fromSeq + 1, (link) => verifier.feed(link)).next();
  db.prepare('COMMIT').run();
  process.send!(verifier.stretch(), () => process.disconnect());
} finally {
  db.close();
}
