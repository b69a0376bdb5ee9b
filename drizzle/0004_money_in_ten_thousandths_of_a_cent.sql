-- Money was stored in hundredths of a cent; it is now stored in ten-thousandths, so that every digit a cost
-- may carry (4 decimal places of a cent) is kept. Existing amounts are scaled, not rounded.
UPDATE `spend` SET `cost_units` = `cost_units` * 100;
--> statement-breakpoint
UPDATE `spend_totals` SET `units` = `units` * 100;
--> statement-breakpoint
UPDATE `bridge_runs` SET `cost_units` = `cost_units` * 100 WHERE `cost_units` IS NOT NULL;
