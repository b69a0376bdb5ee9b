import { z } from 'zod';
import { cursor, expectedVersion, jsonObject, limit, modelName, longText, principalId, realmId, text, title } from '../params.js';
import { FleetSettingsInput } from '../fleet/settings.js';
import { realmStatuses } from './model.js';

const maxAgents = z.number().int().min(1).max(100_000);
const defaultModel = modelName().describe('Model used when a run names none, e.g. "claude-sonnet-4".');

export const CreateRealm = z.strictObject({
  name: title.describe('Display name; need not be unique.'),
  owner: principalId('Who owns the realm (a person or team id).'),
  description: longText.optional(),
  defaultModel: defaultModel.optional(),
  maxAgents: maxAgents.optional().describe('Most non-terminated agents the org chart may hold, 1-100000.'),
  metadata: jsonObject().optional(),
  fleet: FleetSettingsInput.optional(),
});

export const GetRealm = z.strictObject({ id: realmId });

export const ListRealms = z.strictObject({
  status: z.enum(realmStatuses).optional(),
  limit,
  cursor: cursor.optional(),
});

export const UpdateRealm = z.strictObject({
  id: realmId,
  name: title.optional(),
  description: longText.nullable().optional(),
  status: z.enum(realmStatuses).optional().describe('active, suspended or archived (final).'),
  defaultModel: defaultModel.nullable().optional(),
  maxAgents: maxAgents.nullable().optional(),
  metadata: jsonObject().nullable().optional(),
  fleet: FleetSettingsInput.optional(),
  expectedVersion: expectedVersion.optional(),
});

export const DeleteRealm = z.strictObject({
  id: realmId,
  confirm: text(500).describe("The realm's name, exactly: a guard against deleting the wrong realm."),
});

export type CreateRealm = z.output<typeof CreateRealm>;
export type ListRealms = z.output<typeof ListRealms>;
export type UpdateRealm = z.output<typeof UpdateRealm>;
export type DeleteRealm = z.output<typeof DeleteRealm>;

export const ExportRealm = z.strictObject({
  id: realmId,
  scrubSecrets: z.boolean().default(true).describe('Replace secret-looking values with "[REDACTED]" (default true).'),
  includeAudit: z.boolean().default(true).describe('Include the audit chain (default true).'),
});
