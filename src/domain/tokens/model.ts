import type { Role } from '../principal.js';

/** An API token for the HTTP transport: who it makes the caller, and how long. The secret is stored hashed. */
export interface ApiToken {
  id: string;
  /** Who the token stands for (recorded as the actor of an operator's or admin's actions). */
  name: string;
  role: Role;
  realmId: string | null;
  agentId: string | null;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

export interface StoredToken extends ApiToken {
  /** SHA-256 of the secret part, hex. */
  secretHash: string;
}
