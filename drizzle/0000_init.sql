CREATE TABLE `requests` (
	`id` integer PRIMARY KEY NOT NULL,
	`request_id` text NOT NULL,
	`ts` integer NOT NULL,
	`key_name` text,
	`endpoint` text NOT NULL,
	`model` text NOT NULL,
	`provider` text,
	`upstream_model` text,
	`stream` integer NOT NULL,
	`status` integer NOT NULL,
	`error` text,
	`prompt_tokens` integer,
	`completion_tokens` integer,
	`cached_tokens` integer,
	`usage_source` text NOT NULL,
	`cost_usd` real,
	`unpriced` integer NOT NULL,
	`latency_ms` integer NOT NULL,
	`ttft_ms` integer
);
--> statement-breakpoint
CREATE INDEX `requests_ts` ON `requests` (`ts`);