DROP INDEX "missions_realm_assignee";--> statement-breakpoint
DROP INDEX "missions_lease";--> statement-breakpoint
CREATE INDEX "missions_realm_assignee" ON "missions" USING btree ("realm_id","assignee_id") WHERE assignee_id IS NOT NULL;--> statement-breakpoint
CREATE INDEX "missions_lease" ON "missions" USING btree ("lease_expires_at") WHERE lease_expires_at IS NOT NULL;