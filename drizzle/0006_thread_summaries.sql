ALTER TABLE "sessions" ADD COLUMN "context_summary_updated_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "context_summary_message_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "context_summary_through_message_id" uuid;