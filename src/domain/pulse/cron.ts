import { Cron } from 'croner';
import { invalidInput } from '../errors.js';

/**
 * A pulse's schedule: exactly 5 fields, or 6 with seconds first. croner parses and validates the values; we
 * refuse what it would also accept but the catalogue does not (7 fields, @nicknames).
 */
export function checkCron(cron: string, timezone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    throw invalidInput('timezone', `unknown timezone "${timezone}"; use an IANA name such as "UTC" or "Europe/Paris"`);
  }
  const fields = cron.trim().split(/\s+/);
  if (cron.trim().startsWith('@') || (fields.length !== 5 && fields.length !== 6)) {
    throw invalidInput('cron', `cron must have 5 fields ("*/5 * * * *") or 6 with seconds first ("0 */5 * * * *"); got "${cron}"`);
  }
  try {
    new Cron(cron, { timezone, paused: true });
  } catch (error) {
    throw invalidInput('cron', `cron "${cron}" is not valid: ${(error as Error).message}`);
  }
}

/** The next `count` fire times after `from`, as UTC ISO strings. */
export function nextRuns(cron: string, timezone: string, from: Date, count = 3): string[] {
  const job = new Cron(cron, { timezone, paused: true, startAt: from });
  return job.nextRuns(count, from).map((d) => d.toISOString());
}
