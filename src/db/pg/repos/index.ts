// Every PostgreSQL repository, by its name on the Tx: what the PostgreSQL store builds each unit of work's Tx from.
import type { RepoFactories } from '../store.js';
import { auditRepo } from './audit.js';
import { runRepo, runtimeRepo, sessionRepo } from './bridge.js';
import { commentRepo } from './comments.js';
import { directiveRepo } from './directives.js';
import { idempotencyRepo } from './idempotency.js';
import { ledgerRepo } from './ledger.js';
import { missionBlockerRepo } from './mission-blockers.js';
import { missionRepo } from './missions.js';
import { nodeRepo } from './nodes.js';
import { proposalRepo } from './proposals.js';
import { processRepo, pulseRepo } from './pulses.js';
import { realmDataRepo } from './realm-data.js';
import { realmRepo } from './realms.js';
import { tokenRepo } from './tokens.js';

export const pgRepos: RepoFactories = {
  realms: realmRepo, nodes: nodeRepo, directives: directiveRepo, missions: missionRepo, missionBlockers: missionBlockerRepo,
  comments: commentRepo, audit: (db, mode) => auditRepo(db, mode), ledger: ledgerRepo, proposals: proposalRepo, runtimes: runtimeRepo,
  runs: runRepo, sessions: sessionRepo, pulses: pulseRepo, processes: processRepo, realmData: realmDataRepo, tokens: tokenRepo,
  idempotency: idempotencyRepo,
};
