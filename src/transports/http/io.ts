// Reading requests and writing answers, the same way for every route.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DomainError, errorCodes } from '../../domain/errors.js';

export class BodyTooLarge extends Error {}

/** Reads a request body, refusing (BodyTooLarge) as soon as it passes `maxBytes`. */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw new BodyTooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new BodyTooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export const isJson = (req: IncomingMessage) => /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(req.headers['content-type'] ?? '');

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

/** The error body every route answers with, at the code's status. */
export const sendError = (res: ServerResponse, error: DomainError, headers: Record<string, string> = {}) =>
  sendJson(res, errorCodes[error.code].status, { error: { code: error.code, message: error.message, details: error.details } }, headers);

/** A plain-status refusal (413, 415, 405, 404) in the same body shape, coded as the closest domain error. */
export const refuse = (res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}) =>
  sendJson(res, status, { error: { code: status === 404 ? 'not_found' : 'invalid_input', message, details: { status } } }, headers);
