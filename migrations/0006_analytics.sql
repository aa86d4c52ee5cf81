CREATE TABLE `analytics_cost_hourly` (
	`hour` integer NOT NULL,
	`service` text DEFAULT '' NOT NULL,
	`model` text DEFAULT '' NOT NULL,
	`user_id` text DEFAULT '' NOT NULL,
	`org_id` text DEFAULT '' NOT NULL,
	`count` integer NOT NULL,
	`cost_usd` real NOT NULL,
	PRIMARY KEY(`hour`, `service`, `model`, `user_id`, `org_id`)
);
--> statement-breakpoint
CREATE INDEX `analytics_cost_hourly_user` ON `analytics_cost_hourly` (`user_id`,`hour`);--> statement-breakpoint
CREATE INDEX `analytics_cost_hourly_org` ON `analytics_cost_hourly` (`org_id`,`hour`);--> statement-breakpoint
CREATE TABLE `analytics_counters` (
	`name` text PRIMARY KEY NOT NULL,
	`value` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `analytics_dead_letters` (
	`message_id` text PRIMARY KEY NOT NULL,
	`queue` text NOT NULL,
	`attempts` integer NOT NULL,
	`body` text NOT NULL,
	`received_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `analytics_dead_letters_time` ON `analytics_dead_letters` (`received_at`);--> statement-breakpoint
CREATE TABLE `analytics_event_hourly` (
	`hour` integer NOT NULL,
	`event_type` text NOT NULL,
	`user_id` text DEFAULT '' NOT NULL,
	`org_id` text DEFAULT '' NOT NULL,
	`count` integer NOT NULL,
	PRIMARY KEY(`hour`, `event_type`, `user_id`, `org_id`)
);
--> statement-breakpoint
CREATE INDEX `analytics_event_hourly_user` ON `analytics_event_hourly` (`user_id`,`hour`);--> statement-breakpoint
CREATE INDEX `analytics_event_hourly_org` ON `analytics_event_hourly` (`org_id`,`hour`);--> statement-breakpoint
CREATE TABLE `analytics_events` (
	`event_id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`name` text NOT NULL,
	`user_id` text,
	`org_id` text,
	`service` text,
	`session_id` text,
	`value` real,
	`cost_usd` real,
	`labels` text DEFAULT '{}' NOT NULL,
	`properties` text DEFAULT '{}' NOT NULL,
	`occurred_at` integer NOT NULL,
	`received_at` integer NOT NULL,
	`pending_batch` text
);
--> statement-breakpoint
CREATE INDEX `analytics_events_time` ON `analytics_events` (`occurred_at`);--> statement-breakpoint
CREATE INDEX `analytics_events_user_time` ON `analytics_events` (`user_id`,`occurred_at`);--> statement-breakpoint
CREATE INDEX `analytics_events_pending` ON `analytics_events` (`pending_batch`) WHERE "analytics_events"."pending_batch" is not null;--> statement-breakpoint
CREATE TABLE `analytics_metric_hourly` (
	`hour` integer NOT NULL,
	`name` text NOT NULL,
	`labels` text NOT NULL,
	`count` integer NOT NULL,
	`sum` real NOT NULL,
	`min` real NOT NULL,
	`max` real NOT NULL,
	PRIMARY KEY(`name`, `labels`, `hour`)
);
