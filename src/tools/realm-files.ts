// realm_export and realm_import can move the document through a file on the server's machine: a realm too big
// for one MCP message (see limits.ts) still exports and imports whole.
import { createHash } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { invalidInput } from '../domain/errors.js';
import { guardArguments } from '../domain/json-guard.js';
import { RealmExport, sections } from '../domain/realm/transfer-model.js';
import { parseOrThrow } from '../domain/validation.js';

/** The largest document a file may hold. */
const MAX_FILE_BYTES = 512 * 1024 * 1024;

export const documentFile = z
  .string()
  .trim()
  .min(1)
  .max(4096)
  .refine(isAbsolute, 'must be an absolute path')
  .describe("An absolute path on the server's machine.");

/** What realm_export returns when it wrote the document to a file: the document's header, where, and how much. */
export const RealmExportFile = z.strictObject({
  ...RealmExport.pick({ format: true, version: true, exportedAt: true, source: true, scrubbed: true, redactedCount: true }).shape,
  file: z.strictObject({ path: z.string(), bytes: z.number().int(), sha256: z.string() }),
  counts: z.record(z.string(), z.number().int()),
});

const errno = (error: unknown) => (error as NodeJS.ErrnoException).code ?? (error as Error).message;

/** Writes the document to a new file (never over an existing one), readable by this user only. */
export function writeExportFile(document: RealmExport, path: string): z.input<typeof RealmExportFile> {
  const json = JSON.stringify(document);
  try {
    writeFileSync(path, json, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    const why = errno(error) === 'EEXIST' ? 'already exists; choose a new file name' : `cannot be written (${errno(error)})`;
    throw invalidInput('file', `file ${path} ${why}`, { path });
  }
  const counts = Object.fromEntries([...sections, 'audit' as const].map((s) => [s, (document[s] as unknown[]).length]));
  const { format, version, exportedAt, source, scrubbed, redactedCount } = document;
  return {
    format, version, exportedAt, source, scrubbed, redactedCount, counts,
    file: { path, bytes: Buffer.byteLength(json), sha256: createHash('sha256').update(json).digest('hex') },
  };
}

/** Reads a document realm_export wrote, checked exactly as an inline one is. */
export function readExportFile(path: string): RealmExport {
  let text: string;
  try {
    const { size } = statSync(path);
    if (size > MAX_FILE_BYTES) throw invalidInput('file', `file ${path} is ${size} bytes, over the ${MAX_FILE_BYTES} a document may be`, { path });
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof Error && error.name === 'DomainError') throw error;
    throw invalidInput('file', `file ${path} cannot be read (${errno(error)})`, { path });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw invalidInput('file', `file ${path} is not JSON (${(error as Error).message})`, { path });
  }
  const unsafe = guardArguments({ file: json }, undefined);
  if (unsafe) throw unsafe;
  return parseOrThrow(RealmExport, json, ['file']);
}
