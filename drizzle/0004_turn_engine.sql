CREATE TABLE "process_leases" (
	"id" uuid PRIMARY KEY NOT NULL,
	"role" text NOT NULL,
	"hostname" text NOT NULL,
	"pid" integer NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"heartbeat_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "process_id" uuid;--> statement-breakpoint
CREATE INDEX "process_leases_heartbeat_idx" ON "process_leases" USING btree ("heartbeat_at");--> statement-breakpoint
UPDATE "agents" SET "runtime" = "runtime" - 'running_turns' || jsonb_build_object('state', CASE WHEN "runtime" ->> 'state' = 'busy' THEN 'idle' ELSE "runtime" ->> 'state' END);
