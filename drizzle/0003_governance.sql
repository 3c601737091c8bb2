CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`owner_id` text,
	`hash` text NOT NULL,
	`prefix` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer,
	`disabled` integer DEFAULT false NOT NULL,
	`revoked_at` integer,
	`models` text NOT NULL,
	`budget_usd` real,
	`budget_period` text,
	`token_quota` integer,
	`token_period` text,
	`rpm` integer,
	`tpm` integer,
	`rps` real,
	`burst` integer,
	`concurrency` integer,
	`allow_unpriced` integer DEFAULT false NOT NULL,
	`capture_bodies` integer DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_hash_unique` ON `api_keys` (`hash`);--> statement-breakpoint
CREATE TABLE `catalog` (
	`kind` text NOT NULL,
	`name` text NOT NULL,
	`body` text NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`kind`, `name`)
);
--> statement-breakpoint
CREATE TABLE `settings` (
	`name` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `users` (
	`id` text PRIMARY KEY NOT NULL,
	`email` text NOT NULL,
	`name` text NOT NULL,
	`role` text NOT NULL,
	`password_hash` text NOT NULL,
	`disabled` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_email_unique` ON `users` (`email`);--> statement-breakpoint
ALTER TABLE `requests` ADD `key_id` text;--> statement-breakpoint
ALTER TABLE `requests` ADD `user_id` text;--> statement-breakpoint
CREATE INDEX `requests_key_ts` ON `requests` (`key_id`,`ts`);