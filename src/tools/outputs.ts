import { z } from 'zod';

/** The list shape every list tool returns: `{<plural>, count, nextCursor}`. */
export const pageOf = <K extends string, T extends z.ZodType>(plural: K, record: T) =>
  z.object({
    [plural]: z.array(record),
    count: z.number().int().describe('Rows in this page.'),
    nextCursor: z.string().nullable().describe('Pass as cursor for the next page; null on the last page.'),
  } as { [P in K]: z.ZodArray<T> } & { count: z.ZodNumber; nextCursor: z.ZodNullable<z.ZodString> });
