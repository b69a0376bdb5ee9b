CREATE TABLE `audit_archive` (
	`ord` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`realm_id` text NOT NULL,
	`source_realm_id` text NOT NULL,
	`id` text NOT NULL,
	`seq` integer NOT NULL,
	`actor_kind` text NOT NULL,
	`actor_id` text NOT NULL,
	`action` text NOT NULL,
	`entity_type` text NOT NULL,
	`entity_id` text NOT NULL,
	`details` text,
	`prev_hash` text NOT NULL,
	`hash` text NOT NULL,
	`timestamp` text NOT NULL,
	`redacted` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `audit_archive_realm_seq` ON `audit_archive` (`realm_id`,`seq`);--> statement-breakpoint
CREATE TABLE `audit_entries` (
	`ord` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`realm_id` text NOT NULL,
	`seq` integer NOT NULL,
	`actor_kind` text NOT NULL,
	`actor_id` text NOT NULL,
	`action` text NOT NULL,
	`entity_type` text NOT NULL,
	`entity_id` text NOT NULL,
	`details` text,
	`prev_hash` text NOT NULL,
	`hash` text NOT NULL,
	`timestamp` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `audit_entries_id_unique` ON `audit_entries` (`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `audit_realm_seq` ON `audit_entries` (`realm_id`,`seq`);--> statement-breakpoint
CREATE INDEX `audit_realm_action` ON `audit_entries` (`realm_id`,`action`,`seq`);--> statement-breakpoint
CREATE INDEX `audit_realm_entity` ON `audit_entries` (`realm_id`,`entity_id`,`seq`);--> statement-breakpoint
CREATE TABLE `audit_heads` (
	`realm_id` text PRIMARY KEY NOT NULL,
	`seq` integer NOT NULL,
	`hash` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `changes` (
	`ord` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`realm_id` text,
	`topic` text NOT NULL,
	`payload` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `comments` (
	`ord` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`realm_id` text NOT NULL,
	`mission_id` text NOT NULL,
	`author_id` text NOT NULL,
	`body` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `comments_id_unique` ON `comments` (`id`);--> statement-breakpoint
CREATE INDEX `comments_realm_mission` ON `comments` (`realm_id`,`mission_id`,`ord`);--> statement-breakpoint
CREATE TABLE `directives` (
	`ord` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`realm_id` text NOT NULL,
	`title` text NOT NULL,
	`description` text,
	`level` text NOT NULL,
	`status` text NOT NULL,
	`parent_id` text,
	`owner_agent_id` text,
	`priority` integer NOT NULL,
	`version` integer NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `directives_id_unique` ON `directives` (`id`);--> statement-breakpoint
CREATE INDEX `directives_realm_order` ON `directives` (`realm_id`,`priority`,`created_at`,`ord`);--> statement-breakpoint
CREATE INDEX `directives_realm_parent` ON `directives` (`realm_id`,`parent_id`);--> statement-breakpoint
CREATE TABLE `missions` (
	`ord` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`realm_id` text NOT NULL,
	`directive_id` text,
	`parent_id` text,
	`title` text NOT NULL,
	`description` text,
	`status` text NOT NULL,
	`priority` integer NOT NULL,
	`assignee_id` text,
	`created_by` text NOT NULL,
	`billing_code` text,
	`required_capabilities` text NOT NULL,
	`version` integer NOT NULL,
	`started_at` text,
	`completed_at` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `missions_id_unique` ON `missions` (`id`);--> statement-breakpoint
CREATE INDEX `missions_realm_order` ON `missions` (`realm_id`,`priority`,`created_at`,`ord`);--> statement-breakpoint
CREATE INDEX `missions_realm_status` ON `missions` (`realm_id`,`status`);--> statement-breakpoint
CREATE INDEX `missions_realm_assignee` ON `missions` (`realm_id`,`assignee_id`);--> statement-breakpoint
CREATE TABLE `nodes` (
	`ord` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`realm_id` text NOT NULL,
	`agent_id` text NOT NULL,
	`reports_to` text,
	`title` text,
	`capabilities` text NOT NULL,
	`rank` integer NOT NULL,
	`status` text NOT NULL,
	`runtime_id` text,
	`version` integer NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `nodes_realm_agent` ON `nodes` (`realm_id`,`agent_id`);--> statement-breakpoint
CREATE INDEX `nodes_realm_manager` ON `nodes` (`realm_id`,`reports_to`);--> statement-breakpoint
CREATE TABLE `realms` (
	`ord` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`status` text NOT NULL,
	`owner` text NOT NULL,
	`default_model` text,
	`max_agents` integer,
	`metadata` text,
	`version` integer NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `realms_id_unique` ON `realms` (`id`);