CREATE TABLE `guard_crossings` (
	`realm_id` text NOT NULL,
	`scope` text NOT NULL,
	`scope_id` text NOT NULL,
	`kind` text NOT NULL,
	`window` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `guard_crossings_key` ON `guard_crossings` (`realm_id`,`scope`,`scope_id`,`kind`,`window`);--> statement-breakpoint
CREATE TABLE `idempotency_keys` (
	`realm_id` text NOT NULL,
	`key` text NOT NULL,
	`function` text NOT NULL,
	`input_hash` text NOT NULL,
	`state` text NOT NULL,
	`result` text,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `idempotency_keys_key` ON `idempotency_keys` (`realm_id`,`key`);--> statement-breakpoint
CREATE INDEX `idempotency_keys_created` ON `idempotency_keys` (`created_at`);--> statement-breakpoint
CREATE TABLE `mission_blockers` (
	`realm_id` text NOT NULL,
	`mission_id` text NOT NULL,
	`blocker_id` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `mission_blockers_key` ON `mission_blockers` (`realm_id`,`mission_id`,`blocker_id`);--> statement-breakpoint
CREATE INDEX `mission_blockers_blocker` ON `mission_blockers` (`realm_id`,`blocker_id`);--> statement-breakpoint
ALTER TABLE `missions` ADD `blocked_by` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `missions` ADD `region` text;--> statement-breakpoint
ALTER TABLE `missions` ADD `attempts` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `missions` ADD `max_attempts` integer;--> statement-breakpoint
ALTER TABLE `missions` ADD `retry_at` text;--> statement-breakpoint
ALTER TABLE `missions` ADD `last_error` text;--> statement-breakpoint
ALTER TABLE `missions` ADD `fence` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `missions` ADD `lease_expires_at` text;--> statement-breakpoint
CREATE INDEX `missions_lease` ON `missions` (`lease_expires_at`);--> statement-breakpoint
ALTER TABLE `nodes` ADD `heartbeat_at` text;--> statement-breakpoint
ALTER TABLE `nodes` ADD `heartbeat_state` text;--> statement-breakpoint
ALTER TABLE `nodes` ADD `load` real;--> statement-breakpoint
ALTER TABLE `nodes` ADD `region` text;--> statement-breakpoint
ALTER TABLE `nodes` ADD `agent_version` text;--> statement-breakpoint
ALTER TABLE `nodes` ADD `failed_at` text;--> statement-breakpoint
ALTER TABLE `realms` ADD `fleet` text;--> statement-breakpoint
CREATE INDEX `bridge_runs_realm_started` ON `bridge_runs` (`realm_id`,`started_at`);--> statement-breakpoint
CREATE INDEX `bridge_runs_runtime_started` ON `bridge_runs` (`runtime_id`,`started_at`);--> statement-breakpoint
CREATE INDEX `bridge_runs_agent_started` ON `bridge_runs` (`realm_id`,`agent_id`,`started_at`);