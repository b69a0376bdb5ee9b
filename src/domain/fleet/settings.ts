// A realm's fleet settings: how liveness, leases, retries and the runaway guards behave. Stored on the realm
// as given (null: every default) and always read merged with the defaults, so a realm made before these
// existed, or one that set only one of them, gets the rest from here.
import { z } from 'zod';

const secs = (max: number) => z.number().int().min(1).max(max);
const count = (max: number) => z.number().int().min(0).max(max);

const RunCaps = z.object({
  concurrentRuns: count(10_000).describe('Runs at once.'),
  runsPerHour: count(1_000_000).describe('Runs started in the last hour (pulses and invokes).'),
});

export const FleetSettings = z.object({
  heartbeatIntervalSecs: secs(3600).describe('How often agents should heartbeat.'),
  heartbeatTimeoutSecs: secs(86_400).describe('Silent this long: offline.'),
  leaseSecs: secs(86_400).describe('A lease lapses unless renewed within this.'),
  maxAttempts: z.number().int().min(1).max(100).describe("Attempts before a dead letter, for missions that set none."),
  retryBaseSecs: secs(86_400).describe('First retry delay, doubled each attempt.'),
  retryMaxSecs: secs(7 * 86_400),
  agent: RunCaps.describe('Run caps per agent.'),
  runtime: RunCaps.describe('Per runtime, in the realm.'),
  realm: RunCaps.describe('For the realm.'),
  runCostCents: z.number().int().min(1).max(100_000_000).nullable().describe('A run spending past this is stopped (null: no ceiling).'),
});
export type FleetSettings = z.infer<typeof FleetSettings>;

/**
 * The defaults: the seed's 30 s heartbeat, 90 s timeout and 3 attempts; caps that stop a wake loop within the
 * hour (an agent woken every second is refused after 90 runs, 40 times fewer) while a pulse every minute (60
 * runs in any hour) and invokes besides still fit: existing realms get these too.
 */
export const defaultFleetSettings: FleetSettings = {
  heartbeatIntervalSecs: 30,
  heartbeatTimeoutSecs: 90,
  leaseSecs: 90,
  maxAttempts: 3,
  retryBaseSecs: 10,
  retryMaxSecs: 3600,
  agent: { concurrentRuns: 2, runsPerHour: 90 },
  runtime: { concurrentRuns: 8, runsPerHour: 480 },
  realm: { concurrentRuns: 16, runsPerHour: 1200 },
  runCostCents: 500,
};

/** What realm_create and realm_update take: any subset, each run cap also in part. */
export const FleetSettingsInput = z
  .strictObject({
    ...FleetSettings.shape,
    agent: RunCaps.partial().strict().describe('Run caps per agent.'),
    runtime: RunCaps.partial().strict().describe('Per runtime, in the realm.'),
    realm: RunCaps.partial().strict().describe('For the realm.'),
  })
  .partial()
  .describe('Fleet settings to change; the others stay.');
export type FleetSettingsInput = z.infer<typeof FleetSettingsInput>;

/**
 * The rules between settings, checked on the merged result (a change to one may break another): a lease or
 * a timeout shorter than the heartbeat interval would lapse between two beats of a healthy agent, and a
 * retry cap below the first delay would make the backoff shrink.
 */
const relations: [keyof FleetSettings, (s: FleetSettings) => boolean, string][] = [
  ['leaseSecs', (s) => s.leaseSecs > s.heartbeatIntervalSecs, 'leaseSecs must be longer than heartbeatIntervalSecs (a lease would lapse between heartbeats)'],
  ['heartbeatTimeoutSecs', (s) => s.heartbeatTimeoutSecs > s.heartbeatIntervalSecs, 'heartbeatTimeoutSecs must be longer than heartbeatIntervalSecs'],
  ['retryMaxSecs', (s) => s.retryMaxSecs >= s.retryBaseSecs, 'retryMaxSecs must be at least retryBaseSecs'],
];

/** The first rule the settings break, as the field to blame and why; null when they hold. */
export function brokenFleetRule(settings: FleetSettings): { field: string; message: string } | null {
  const broken = relations.find(([, holds]) => !holds(settings));
  return broken ? { field: `fleet.${broken[0]}`, message: broken[2] } : null;
}

/** Settings as stored (partial) merged over a base (the defaults, or the realm's current settings). */
export function mergeFleetSettings(base: FleetSettings, given: FleetSettingsInput | null | undefined): FleetSettings {
  if (!given) return base;
  return {
    ...base,
    ...given,
    agent: { ...base.agent, ...given.agent },
    runtime: { ...base.runtime, ...given.runtime },
    realm: { ...base.realm, ...given.realm },
  } as FleetSettings;
}
