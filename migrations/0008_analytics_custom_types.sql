CREATE TABLE `analytics_custom_types` (
	`caller` text NOT NULL,
	`day` integer NOT NULL,
	`event_type` text NOT NULL,
	PRIMARY KEY(`caller`, `day`, `event_type`)
);
