ALTER TABLE `bridge_runs` ADD `provider` text;--> statement-breakpoint
ALTER TABLE `bridge_runs` ADD `model` text;--> statement-breakpoint
ALTER TABLE `bridge_runs` ADD `permission_denials` text;--> statement-breakpoint
ALTER TABLE `runtimes` ADD `inherit_env` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `runtimes` ADD `permissions` text;--> statement-breakpoint
-- Agent CLI runtimes registered before permission levels existed get the new default.
UPDATE `runtimes` SET `permissions` = 'edit' WHERE `kind` IN ('claude_code', 'codex', 'cursor', 'opencode');
