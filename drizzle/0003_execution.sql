CREATE TABLE "agent_actions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"organization_id" uuid NOT NULL,
	"agent_id" uuid NOT NULL,
	"run_id" uuid NOT NULL,
	"sequence" integer NOT NULL,
	"action_type" text NOT NULL,
	"action_data" jsonb NOT NULL,
	"result_data" jsonb NOT NULL,
	"success" boolean NOT NULL,
	"execution_time_ms" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "runs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"organization_id" uuid NOT NULL,
	"agent_id" uuid NOT NULL,
	"agent_version" integer NOT NULL,
	"session_id" uuid,
	"trigger" text NOT NULL,
	"status" text NOT NULL,
	"input" jsonb NOT NULL,
	"output" text,
	"error" jsonb,
	"usage" jsonb NOT NULL,
	"cost_estimate" numeric(14, 8),
	"model" text,
	"provider_id" text,
	"provider_name" text,
	"provider_type" text,
	"fallback_used" boolean DEFAULT false NOT NULL,
	"warnings" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"completed_at" timestamp with time zone,
	"duration_ms" integer,
	"created_by_user_id" uuid,
	"created_by_api_key_id" uuid
);
--> statement-breakpoint
ALTER TABLE "agent_actions" ADD CONSTRAINT "agent_actions_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agent_actions" ADD CONSTRAINT "agent_actions_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agent_actions" ADD CONSTRAINT "agent_actions_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "agent_actions_run_sequence_idx" ON "agent_actions" USING btree ("run_id","sequence");--> statement-breakpoint
CREATE INDEX "agent_actions_organization_agent_run_idx" ON "agent_actions" USING btree ("organization_id","agent_id","run_id","sequence");--> statement-breakpoint
CREATE INDEX "runs_organization_started_idx" ON "runs" USING btree ("organization_id","started_at");--> statement-breakpoint
CREATE INDEX "runs_organization_agent_started_idx" ON "runs" USING btree ("organization_id","agent_id","started_at");--> statement-breakpoint
CREATE INDEX "runs_running_idx" ON "runs" USING btree ("organization_id","agent_id") WHERE "runs"."status" = 'running';