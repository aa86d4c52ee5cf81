CREATE TABLE `email_sign_ins` (
	`email` text PRIMARY KEY NOT NULL,
	`token_hash` text NOT NULL,
	`code_hash` text NOT NULL,
	`tries` integer DEFAULT 0 NOT NULL,
	`create_account` integer NOT NULL,
	`return_to` text,
	`expires_at` integer NOT NULL,
	`used_at` integer,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `email_sign_ins_token` ON `email_sign_ins` (`token_hash`);