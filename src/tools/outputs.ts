import { z } from 'zod';

/** The paging fields of every list answer (their descriptions are said once: guide.ts). */
export const pageFields = {
  count: z.number().int().describe('Rows in this page.'),
  nextCursor: z.string().nullable().describe('Pass as cursor for the next page; null on the last page.'),
};

/** The list shape every list tool returns: `{<plural>, count, nextCursor}`. */
export const pageOf = <K extends string, T extends z.ZodType>(plural: K, record: T) =>
  z.object({ [plural]: z.array(record), ...pageFields } as { [P in K]: z.ZodArray<T> } & typeof pageFields);
