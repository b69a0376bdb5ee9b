import { z } from 'zod';
import { exportRealm } from '../domain/realm/export.js';
import { ImportRealm, importRealm } from '../domain/realm/import.js';
import { CreateRealm, DeleteRealm, ExportRealm, GetRealm, ListRealms, UpdateRealm } from '../domain/realm/inputs.js';
import { createRealm, deleteRealm, getRealm, listRealms, updateRealm } from '../domain/realm/lifecycle.js';
import { Realm } from '../domain/realm/model.js';
import { RealmExport } from '../domain/realm/transfer-model.js';
import { declare } from './declaration.js';
import { statedAs, statedBy } from './wire-schema.js';
import { pageOf } from './outputs.js';
import { documentFile, readExportFile, RealmExportFile, writeExportFile } from './realm-files.js';

const ExportInput = ExportRealm.extend({
  file: documentFile
    .optional()
    .describe("Write the document to this new file on the server's machine (an absolute path; never overwritten) and return a summary instead: for realms too large for one answer."),
});

const ImportInput = ImportRealm.extend({
  // realm_export's outputSchema gives the document's shape; tools/list does not repeat its 10 KB here.
  data: ImportRealm.shape.data.register(statedBy, { tool: 'realm_export', io: 'output' }).optional(),
  file: documentFile.optional().describe('Read the document from this file on the server\'s machine (as realm_export {file} wrote it) instead of data.'),
}).refine((i) => (i.data === undefined) !== (i.file === undefined), { message: 'give exactly one of data and file', path: ['data'] });

// A realm, with its fleet settings, is given in full once (realm_get's output); the list and the export name it.
// The fleet settings realm_create takes are realm_update's (any subset).
statedBy.add(RealmExport.shape.realm, { tool: 'realm_get', io: 'output' });
statedBy.add(CreateRealm.shape.fleet, { tool: 'realm_update', io: 'input' });

export const realmFunctions = [
  declare({
    id: 'realm::create',
    title: 'Create realm',
    description:
      'Create a realm: an isolated tenant that holds one org chart, its goals, missions, budgets and audit chain. ' +
      'Use it first; every other tool takes the returned id as realmId. The realm starts active. Returns the realm.',
    errors: {},
    input: CreateRealm,
    output: statedAs(Realm, 'The realm created.', 'realm_get'),
    rest: { method: 'POST', path: '/api/realms' },
    permission: 'control_plane:realms:create',
    idempotent: true,
    run: (input, ctx) => createRealm(ctx, input),
  }),
  declare({
    id: 'realm::get',
    title: 'Get realm',
    description: 'Read one realm by id. Returns the realm with its status (active, suspended, archived) and version.',
    errors: { not_found: true },
    input: GetRealm,
    output: Realm,
    rest: { method: 'GET', path: '/api/realms/:id' },
    permission: 'control_plane:realms:read',
    realmField: 'id',
    run: (input, ctx) => getRealm(ctx, input),
  }),
  declare({
    id: 'realm::list',
    title: 'List realms',
    description: 'List realms, newest first, optionally by status. Returns {realms, count, nextCursor}; pass nextCursor back as cursor for the next page.',
    errors: {},
    input: ListRealms,
    output: pageOf('realms', statedAs(Realm, 'A realm.', 'realm_get')),
    rest: { method: 'GET', path: '/api/realms' },
    permission: 'control_plane:realms:read',
    run: (input, ctx) => listRealms(ctx, input),
  }),
  declare({
    id: 'realm::update',
    title: 'Update realm',
    description:
      'Change a realm\'s fields (a patch: omitted fields keep their value, null clears one) or its status. ' +
      'Suspending a realm freezes it: it then accepts only {status: "active"} or deletion. Archiving is final. ' +
      'Pass expectedVersion to make the write conditional. Returns the updated realm.',
    errors: {
      not_found: true,
      conflict: true,
      invalid_transition: 'the status move is not allowed (details.allowed)',
      realm_suspended: 'the realm is suspended or archived (details.status)',
    },
    input: UpdateRealm,
    output: statedAs(Realm, 'The realm after the change.', 'realm_get'),
    rest: { method: 'PATCH', path: '/api/realms/:id' },
    permission: 'control_plane:realms:write',
    realmField: 'id',
    run: (input, ctx) => updateRealm(ctx, input),
  }),
  declare({
    id: 'realm::delete',
    title: 'Delete realm',
    description:
      'Delete a realm and ALL its data (org chart, goals, missions, comments, audit chain) in one transaction. ' +
      'Irreversible: confirm must be the realm\'s exact name. Export it first if you may need it. ' +
      'Returns {id, name, deleted: true, counts} with the rows removed per table.',
    errors: { not_found: true },
    input: DeleteRealm,
    output: z.object({ id: z.string(), name: z.string(), deleted: z.literal(true), counts: z.record(z.string(), z.number().int()) }),
    rest: { method: 'DELETE', path: '/api/realms/:id' },
    permission: 'control_plane:realms:delete',
    realmField: 'id',
    run: (input, ctx) => deleteRealm(ctx, input),
  }),
  declare({
    id: 'realm::export',
    title: 'Export realm',
    description:
      'Export a realm with everything in it as one JSON document (format control-plane-mcp/realm, version 1), for ' +
      'backup or to copy it with realm_import. Secret-looking values are replaced with "[REDACTED]" unless ' +
      'scrubSecrets is false; the audit chain is included unless includeAudit is false. Returns the document, or ' +
      'with file, writes it there and returns {format, version, exportedAt, source, counts, file: {path, bytes, sha256}}. ' +
      'A document over 8 MiB cannot be returned inline: pass file.',
    errors: { not_found: true },
    input: ExportInput,
    output: z.union([RealmExport, RealmExportFile]),
    rest: { method: 'POST', path: '/api/realms/:id/export' },
    permission: 'control_plane:realms:read',
    adminOnly: ['file', 'scrubSecrets'],
    realmField: 'id',
    run: async ({ file, ...input }, ctx) => {
      const document = await exportRealm(ctx, input);
      return file ? writeExportFile(document, file) : document;
    },
  }),
  declare({
    id: 'realm::import',
    title: 'Import realm',
    description:
      'Create a new realm from a document realm_export returned (unchanged). Every generated id is replaced by a ' +
      'new one, agent ids are kept, schedules arrive disabled, and the old audit chain is kept as an archive. ' +
      'A record naming another realm (or a runtime naming none) is refused; warnings name each runtime it registers. ' +
      'Use dryRun to check a document first. Give the document as data, or as file (one realm_export wrote). ' +
      'Returns {realm, dryRun, counts, warnings, sourceRealmId, sourceHeadHash}.',
    errors: {},
    input: ImportInput,
    output: z.object({
      realm: statedAs(Realm, 'The realm imported; null on a dry run.', 'realm_get').nullable(),
      dryRun: z.boolean(),
      counts: z.record(z.string(), z.number().int()),
      warnings: z.array(z.string()),
      sourceRealmId: z.string(),
      sourceHeadHash: z.string().nullable(),
    }),
    rest: { method: 'POST', path: '/api/realms/import' },
    permission: 'control_plane:realms:create',
    adminOnly: ['file'],
    run: ({ file, data, ...input }, ctx) => importRealm(ctx, { ...input, data: file ? readExportFile(file) : data! }),
  }),
];
