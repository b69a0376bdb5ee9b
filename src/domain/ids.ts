import { randomUUID } from 'node:crypto';

// Generated ids are a prefix plus a UUID v4. Agent ids are chosen by callers and never generated.
export type IdPrefix = 'realm' | 'dir' | 'msn' | 'cmt' | 'bgt' | 'spn' | 'prop' | 'act' | 'run' | 'rt' | 'brun';

export const newId = (prefix: IdPrefix) => `${prefix}-${randomUUID()}`;

/** Whether `value` has the form of a generated id of this kind (its prefix; the rest is not checked). */
export const hasIdPrefix = (value: string, prefix: IdPrefix) => value.startsWith(`${prefix}-`);

export const generatedIdPattern = /^(realm|dir|msn|cmt|bgt|spn|prop|act|run|rt|brun)-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
