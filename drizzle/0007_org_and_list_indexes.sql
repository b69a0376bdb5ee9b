CREATE TABLE `node_capabilities` (
	`realm_id` text NOT NULL,
	`capability` text NOT NULL,
	`agent_id` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `node_capabilities_key` ON `node_capabilities` (`realm_id`,`capability`,`agent_id`);--> statement-breakpoint
CREATE INDEX `node_capabilities_agent` ON `node_capabilities` (`realm_id`,`agent_id`);--> statement-breakpoint
CREATE TABLE `spend_rollups` (
	`ord` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`realm_id` text NOT NULL,
	`grouping` text NOT NULL,
	`day` text NOT NULL,
	`key` text NOT NULL,
	`units` integer NOT NULL,
	`input_tokens` integer NOT NULL,
	`output_tokens` integer NOT NULL,
	`events` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `spend_rollups_key` ON `spend_rollups` (`realm_id`,`grouping`,`day`,`key`);--> statement-breakpoint
DROP INDEX `missions_realm_status`;--> statement-breakpoint
CREATE INDEX `missions_realm_status` ON `missions` (`realm_id`,`status`,`priority`,`created_at`,`ord`);--> statement-breakpoint
DROP INDEX `nodes_realm_manager`;--> statement-breakpoint
CREATE INDEX `nodes_realm_rank` ON `nodes` (`realm_id`,"rank" desc,`agent_id`);--> statement-breakpoint
CREATE INDEX `nodes_realm_manager` ON `nodes` (`realm_id`,`reports_to`,"rank" desc,`agent_id`);--> statement-breakpoint
DROP INDEX `proposals_realm_status`;--> statement-breakpoint
CREATE INDEX `proposals_realm_status` ON `proposals` (`realm_id`,`status`,`ord`);--> statement-breakpoint
CREATE INDEX `audit_realm_actor` ON `audit_entries` (`realm_id`,`actor_id`,`seq`);--> statement-breakpoint
CREATE INDEX `budgets_realm` ON `budgets` (`realm_id`,`ord`);--> statement-breakpoint
CREATE INDEX `tokens_realm` ON `tokens` (`realm_id`);--> statement-breakpoint
-- Derived data for the rows already stored: the capability index and the per-day spend roll-ups.
INSERT INTO `node_capabilities` (`realm_id`, `capability`, `agent_id`) SELECT n.`realm_id`, c.`value`, n.`agent_id` FROM `nodes` n, json_each(n.`capabilities`) c WHERE true ON CONFLICT DO NOTHING;--> statement-breakpoint
INSERT INTO `spend_rollups` (`realm_id`, `grouping`, `day`, `key`, `units`, `input_tokens`, `output_tokens`, `events`) SELECT `realm_id`, 'agent', substr(`timestamp`, 1, 10), coalesce(`agent_id`, ''), sum(`cost_units`), sum(`input_tokens`), sum(`output_tokens`), count(*) FROM `spend` GROUP BY `realm_id`, substr(`timestamp`, 1, 10), coalesce(`agent_id`, '');--> statement-breakpoint
INSERT INTO `spend_rollups` (`realm_id`, `grouping`, `day`, `key`, `units`, `input_tokens`, `output_tokens`, `events`) SELECT `realm_id`, 'model', substr(`timestamp`, 1, 10), coalesce(`model`, ''), sum(`cost_units`), sum(`input_tokens`), sum(`output_tokens`), count(*) FROM `spend` GROUP BY `realm_id`, substr(`timestamp`, 1, 10), coalesce(`model`, '');--> statement-breakpoint
INSERT INTO `spend_rollups` (`realm_id`, `grouping`, `day`, `key`, `units`, `input_tokens`, `output_tokens`, `events`) SELECT `realm_id`, 'provider', substr(`timestamp`, 1, 10), coalesce(`provider`, ''), sum(`cost_units`), sum(`input_tokens`), sum(`output_tokens`), count(*) FROM `spend` GROUP BY `realm_id`, substr(`timestamp`, 1, 10), coalesce(`provider`, '');--> statement-breakpoint
INSERT INTO `spend_rollups` (`realm_id`, `grouping`, `day`, `key`, `units`, `input_tokens`, `output_tokens`, `events`) SELECT `realm_id`, 'billing_code', substr(`timestamp`, 1, 10), coalesce(`billing_code`, ''), sum(`cost_units`), sum(`input_tokens`), sum(`output_tokens`), count(*) FROM `spend` GROUP BY `realm_id`, substr(`timestamp`, 1, 10), coalesce(`billing_code`, '');--> statement-breakpoint
INSERT INTO `spend_rollups` (`realm_id`, `grouping`, `day`, `key`, `units`, `input_tokens`, `output_tokens`, `events`) SELECT `realm_id`, 'mission', substr(`timestamp`, 1, 10), coalesce(`mission_id`, ''), sum(`cost_units`), sum(`input_tokens`), sum(`output_tokens`), count(*) FROM `spend` GROUP BY `realm_id`, substr(`timestamp`, 1, 10), coalesce(`mission_id`, '');
