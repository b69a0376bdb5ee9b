CREATE TABLE `pulse_slots` (
	`ord` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`realm_id` text NOT NULL,
	`agent_id` text NOT NULL,
	`scheduled_for` text NOT NULL,
	`claimed_by` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `pulse_slots_key` ON `pulse_slots` (`realm_id`,`agent_id`,`scheduled_for`);