CREATE TABLE `budgets` (
	`ord` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`realm_id` text NOT NULL,
	`agent_id` text,
	`monthly_cents` integer NOT NULL,
	`soft_threshold` real NOT NULL,
	`hard_limit` integer NOT NULL,
	`billing_code` text,
	`version` integer NOT NULL,
	`updated_at` text NOT NULL,
	`alert_level` text,
	`alert_period` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `budgets_id_unique` ON `budgets` (`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `budgets_realm_agent` ON `budgets` (`realm_id`,`agent_id`) WHERE agent_id IS NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `budgets_realm_only` ON `budgets` (`realm_id`) WHERE agent_id IS NULL;--> statement-breakpoint
CREATE TABLE `proposals` (
	`ord` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`realm_id` text NOT NULL,
	`kind` text NOT NULL,
	`status` text NOT NULL,
	`title` text NOT NULL,
	`payload` text,
	`requested_by` text NOT NULL,
	`decided_by` text,
	`decision_note` text,
	`decided_at` text,
	`effect` text,
	`version` integer NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `proposals_id_unique` ON `proposals` (`id`);--> statement-breakpoint
CREATE INDEX `proposals_realm_order` ON `proposals` (`realm_id`,`ord`);--> statement-breakpoint
CREATE INDEX `proposals_realm_status` ON `proposals` (`realm_id`,`status`);--> statement-breakpoint
CREATE TABLE `spend` (
	`ord` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`realm_id` text NOT NULL,
	`agent_id` text NOT NULL,
	`cost_units` integer NOT NULL,
	`provider` text NOT NULL,
	`model` text NOT NULL,
	`input_tokens` integer NOT NULL,
	`output_tokens` integer NOT NULL,
	`mission_id` text,
	`run_id` text,
	`billing_code` text,
	`event_id` text,
	`timestamp` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `spend_id_unique` ON `spend` (`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `spend_realm_event` ON `spend` (`realm_id`,`event_id`) WHERE event_id IS NOT NULL;--> statement-breakpoint
CREATE INDEX `spend_realm_time` ON `spend` (`realm_id`,`timestamp`);--> statement-breakpoint
CREATE TABLE `spend_totals` (
	`ord` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`realm_id` text NOT NULL,
	`agent_id` text NOT NULL,
	`period` text NOT NULL,
	`units` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `spend_totals_key` ON `spend_totals` (`realm_id`,`agent_id`,`period`);--> statement-breakpoint
ALTER TABLE `changes` ADD `origin` text DEFAULT '' NOT NULL;