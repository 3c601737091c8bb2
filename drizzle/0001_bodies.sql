ALTER TABLE `requests` ADD `request_body` text;--> statement-breakpoint
ALTER TABLE `requests` ADD `response_body` text;