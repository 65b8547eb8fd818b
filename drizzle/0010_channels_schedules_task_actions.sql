CREATE TABLE "channel_replies" (
	"id" uuid PRIMARY KEY NOT NULL,
	"organization_id" uuid NOT NULL,
	"channel_id" uuid NOT NULL,
	"agent_id" uuid NOT NULL,
	"task_id" uuid NOT NULL,
	"idempotency_key" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"target" jsonb NOT NULL,
	"body" jsonb NOT NULL,
	"external_id" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sent_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "channels" (
	"id" uuid PRIMARY KEY NOT NULL,
	"organization_id" uuid NOT NULL,
	"agent_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"name" text NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"settings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"credentials_sealed" text,
	"inbound_address" text,
	"task_priority" integer DEFAULT 5 NOT NULL,
	"created_by_user_id" uuid,
	"created_by_api_key_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "task_schedules" (
	"id" uuid PRIMARY KEY NOT NULL,
	"organization_id" uuid NOT NULL,
	"agent_id" uuid NOT NULL,
	"name" text NOT NULL,
	"cron" text NOT NULL,
	"timezone" text DEFAULT 'UTC' NOT NULL,
	"task_type" text NOT NULL,
	"task_data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"priority" integer DEFAULT 5 NOT NULL,
	"max_attempts" integer DEFAULT 3 NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"next_run_at" timestamp with time zone,
	"last_run_at" timestamp with time zone,
	"last_task_id" uuid,
	"created_by_user_id" uuid,
	"created_by_api_key_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
DROP INDEX "agent_actions_organization_agent_run_idx";--> statement-breakpoint
ALTER TABLE "agent_actions" ALTER COLUMN "run_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "agent_actions" ADD COLUMN "task_id" uuid;--> statement-breakpoint
ALTER TABLE "agent_tasks" ADD COLUMN "channel_id" uuid;--> statement-breakpoint
ALTER TABLE "agent_tasks" ADD COLUMN "schedule_id" uuid;--> statement-breakpoint
ALTER TABLE "channel_replies" ADD CONSTRAINT "channel_replies_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "channel_replies" ADD CONSTRAINT "channel_replies_channel_id_channels_id_fk" FOREIGN KEY ("channel_id") REFERENCES "public"."channels"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "channels" ADD CONSTRAINT "channels_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "channels" ADD CONSTRAINT "channels_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_schedules" ADD CONSTRAINT "task_schedules_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_schedules" ADD CONSTRAINT "task_schedules_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "channel_replies_idempotency_idx" ON "channel_replies" USING btree ("channel_id","idempotency_key");--> statement-breakpoint
CREATE INDEX "channel_replies_task_idx" ON "channel_replies" USING btree ("task_id");--> statement-breakpoint
CREATE UNIQUE INDEX "channels_organization_name_idx" ON "channels" USING btree ("organization_id","name");--> statement-breakpoint
CREATE INDEX "channels_organization_agent_idx" ON "channels" USING btree ("organization_id","agent_id");--> statement-breakpoint
CREATE UNIQUE INDEX "channels_inbound_address_idx" ON "channels" USING btree ("inbound_address") WHERE "channels"."inbound_address" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "task_schedules_agent_name_idx" ON "task_schedules" USING btree ("agent_id","name");--> statement-breakpoint
CREATE INDEX "task_schedules_organization_agent_idx" ON "task_schedules" USING btree ("organization_id","agent_id");--> statement-breakpoint
CREATE INDEX "task_schedules_due_idx" ON "task_schedules" USING btree ("next_run_at") WHERE "task_schedules"."enabled";--> statement-breakpoint
CREATE INDEX "agent_actions_organization_agent_id_idx" ON "agent_actions" USING btree ("organization_id","agent_id","id");--> statement-breakpoint
CREATE INDEX "agent_actions_task_idx" ON "agent_actions" USING btree ("task_id") WHERE "agent_actions"."task_id" is not null;--> statement-breakpoint
ALTER TABLE "agent_actions" ADD CONSTRAINT "agent_actions_owner_check" CHECK ("agent_actions"."run_id" is not null or "agent_actions"."task_id" is not null);