CREATE TABLE `agent_sessions` (
	`ord` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`realm_id` text NOT NULL,
	`agent_id` text NOT NULL,
	`runtime_id` text NOT NULL,
	`session_id` text NOT NULL,
	`usage` text,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `agent_sessions_key` ON `agent_sessions` (`realm_id`,`agent_id`,`runtime_id`);--> statement-breakpoint
CREATE TABLE `bridge_runs` (
	`ord` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`runtime_id` text NOT NULL,
	`realm_id` text,
	`agent_id` text NOT NULL,
	`mission_id` text,
	`status` text NOT NULL,
	`output` text,
	`output_truncated` integer NOT NULL,
	`error` text,
	`stderr_truncated` integer NOT NULL,
	`exit_code` integer,
	`signal` text,
	`session_id` text,
	`usage` text,
	`cost_units` integer,
	`owner_instance_id` text NOT NULL,
	`pid` integer,
	`process_start` text,
	`cancel_requested` integer NOT NULL,
	`started_at` text NOT NULL,
	`finished_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `bridge_runs_id_unique` ON `bridge_runs` (`id`);--> statement-breakpoint
CREATE INDEX `bridge_runs_status` ON `bridge_runs` (`status`,`owner_instance_id`);--> statement-breakpoint
CREATE INDEX `bridge_runs_agent` ON `bridge_runs` (`realm_id`,`agent_id`,`status`);--> statement-breakpoint
CREATE TABLE `instances` (
	`id` text PRIMARY KEY NOT NULL,
	`pid` integer NOT NULL,
	`host` text NOT NULL,
	`started_at` text NOT NULL,
	`heartbeat_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `leases` (
	`name` text PRIMARY KEY NOT NULL,
	`holder` text NOT NULL,
	`expires_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `pulse_configs` (
	`ord` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`realm_id` text NOT NULL,
	`agent_id` text NOT NULL,
	`cron` text NOT NULL,
	`timezone` text NOT NULL,
	`enabled` integer NOT NULL,
	`context_mode` text NOT NULL,
	`runtime_id` text,
	`timeout_secs` integer,
	`max_retries` integer NOT NULL,
	`skip_when_idle` integer NOT NULL,
	`version` integer NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `pulse_configs_key` ON `pulse_configs` (`realm_id`,`agent_id`);--> statement-breakpoint
CREATE TABLE `pulse_runs` (
	`ord` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`realm_id` text NOT NULL,
	`agent_id` text NOT NULL,
	`source` text NOT NULL,
	`status` text NOT NULL,
	`attempt` integer NOT NULL,
	`skip_reason` text,
	`skip_count` integer NOT NULL,
	`bridge_run_id` text,
	`context_snapshot` text,
	`next_attempt_at` text,
	`scheduled_for` text,
	`started_at` text NOT NULL,
	`finished_at` text,
	`error` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `pulse_runs_id_unique` ON `pulse_runs` (`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `pulse_runs_slot` ON `pulse_runs` (`realm_id`,`agent_id`,`scheduled_for`) WHERE scheduled_for IS NOT NULL;--> statement-breakpoint
CREATE INDEX `pulse_runs_agent` ON `pulse_runs` (`realm_id`,`agent_id`,`ord`);--> statement-breakpoint
CREATE INDEX `pulse_runs_retry` ON `pulse_runs` (`next_attempt_at`) WHERE next_attempt_at IS NOT NULL;--> statement-breakpoint
CREATE TABLE `runtimes` (
	`ord` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`realm_id` text,
	`kind` text NOT NULL,
	`name` text NOT NULL,
	`command` text,
	`args` text NOT NULL,
	`url` text,
	`headers` text,
	`env_vars` text,
	`work_dir` text,
	`timeout_secs` integer NOT NULL,
	`model` text,
	`connect_control_plane` integer NOT NULL,
	`version` integer NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `runtimes_id_unique` ON `runtimes` (`id`);--> statement-breakpoint
CREATE INDEX `runtimes_realm` ON `runtimes` (`realm_id`,`ord`);