// Every read and action goes through the server's own REST API with the signed-in token, so the page can do
// exactly what the token may, and a refusal is the API's own error, shown as it came.
import { token, signOut } from './state.js';

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details: unknown) {
    super(message);
  }
}

export const authHeaders = (): Record<string, string> => (token.value ? { authorization: `Bearer ${token.value}` } : {});

export async function api<T = any>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method,
    headers: { ...authHeaders(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await response.json().catch(() => null);
  if (response.ok) return json as T;
  const error = json?.error ?? { code: 'internal', message: `${response.status} ${response.statusText}` };
  if (response.status === 401 && token.value) signOut(error.message);
  throw new ApiError(response.status, error.code, error.message, error.details);
}

export const get = <T = any>(path: string, query: Record<string, string | number | undefined> = {}) => {
  const params = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => [k, String(v)]));
  return api<T>('GET', params.size ? `${path}?${params}` : path);
};
