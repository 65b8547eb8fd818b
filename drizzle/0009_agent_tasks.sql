CREATE TABLE "agent_task_attempts" (
	"id" uuid PRIMARY KEY NOT NULL,
	"organization_id" uuid NOT NULL,
	"task_id" uuid NOT NULL,
	"attempt" integer NOT NULL,
	"status" text NOT NULL,
	"run_id" uuid,
	"error" jsonb,
	"started_at" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "agent_tasks" (
	"id" uuid PRIMARY KEY NOT NULL,
	"organization_id" uuid NOT NULL,
	"agent_id" uuid NOT NULL,
	"task_type" text NOT NULL,
	"task_data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"priority" integer DEFAULT 5 NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"source" text DEFAULT 'api' NOT NULL,
	"scheduled_at" timestamp with time zone,
	"max_attempts" integer DEFAULT 3 NOT NULL,
	"attempt_count" integer DEFAULT 0 NOT NULL,
	"attempts_before_retry" integer DEFAULT 0 NOT NULL,
	"idempotency_key" text,
	"queue_job_id" text,
	"result" jsonb,
	"error" jsonb,
	"run_id" uuid,
	"cancel_requested_at" timestamp with time zone,
	"created_by_user_id" uuid,
	"created_by_api_key_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"queued_at" timestamp with time zone,
	"started_at" timestamp with time zone,
	"completed_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "agent_task_attempts" ADD CONSTRAINT "agent_task_attempts_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agent_task_attempts" ADD CONSTRAINT "agent_task_attempts_task_id_agent_tasks_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."agent_tasks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agent_tasks" ADD CONSTRAINT "agent_tasks_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agent_tasks" ADD CONSTRAINT "agent_tasks_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "agent_task_attempts_task_attempt_idx" ON "agent_task_attempts" USING btree ("task_id","attempt");--> statement-breakpoint
CREATE INDEX "agent_tasks_agent_created_idx" ON "agent_tasks" USING btree ("organization_id","agent_id","created_at");--> statement-breakpoint
CREATE INDEX "agent_tasks_organization_created_idx" ON "agent_tasks" USING btree ("organization_id","created_at");--> statement-breakpoint
CREATE INDEX "agent_tasks_organization_status_idx" ON "agent_tasks" USING btree ("organization_id","status");--> statement-breakpoint
CREATE UNIQUE INDEX "agent_tasks_idempotency_idx" ON "agent_tasks" USING btree ("agent_id","idempotency_key") WHERE "agent_tasks"."idempotency_key" is not null;