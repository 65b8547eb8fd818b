CREATE TABLE "analysis_run_items" (
	"organization_id" uuid NOT NULL,
	"run_id" uuid NOT NULL,
	"item_index" integer NOT NULL,
	"source_ref" jsonb NOT NULL,
	"input" jsonb NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"error" jsonb,
	"attempts" integer DEFAULT 0 NOT NULL,
	"turn_run_id" uuid,
	"input_tokens" integer DEFAULT 0 NOT NULL,
	"output_tokens" integer DEFAULT 0 NOT NULL,
	"cost_estimate" double precision,
	"latency_ms" integer,
	"completed_at" timestamp with time zone,
	CONSTRAINT "analysis_run_items_run_id_item_index_pk" PRIMARY KEY("run_id","item_index")
);
--> statement-breakpoint
CREATE TABLE "analysis_runs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"organization_id" uuid NOT NULL,
	"assignment_id" uuid NOT NULL,
	"agent_id" uuid NOT NULL,
	"task_definition_id" uuid NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"trigger_type" text DEFAULT 'manual' NOT NULL,
	"source" jsonb NOT NULL,
	"options" jsonb NOT NULL,
	"config_snapshot" jsonb NOT NULL,
	"items_total" integer NOT NULL,
	"rerun_of" uuid,
	"error" jsonb,
	"queue_job_id" text,
	"created_by_user_id" uuid,
	"created_by_api_key_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"queued_at" timestamp with time zone,
	"started_at" timestamp with time zone,
	"completed_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "analysis_proposals" (
	"id" uuid PRIMARY KEY NOT NULL,
	"organization_id" uuid NOT NULL,
	"run_id" uuid NOT NULL,
	"item_index" integer NOT NULL,
	"source_ref" jsonb NOT NULL,
	"output" jsonb NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"reason" text,
	"reviewed_by_user_id" uuid,
	"reviewed_by_api_key_id" uuid,
	"reviewed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "analysis_run_items" ADD CONSTRAINT "analysis_run_items_run_id_analysis_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."analysis_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "analysis_runs" ADD CONSTRAINT "analysis_runs_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "analysis_runs" ADD CONSTRAINT "analysis_runs_assignment_id_agent_assignments_id_fk" FOREIGN KEY ("assignment_id") REFERENCES "public"."agent_assignments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "analysis_proposals" ADD CONSTRAINT "analysis_proposals_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "analysis_proposals" ADD CONSTRAINT "analysis_proposals_run_id_analysis_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."analysis_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "analysis_proposals" ADD CONSTRAINT "analysis_proposals_item_fk" FOREIGN KEY ("run_id","item_index") REFERENCES "public"."analysis_run_items"("run_id","item_index") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "analysis_run_items_status_idx" ON "analysis_run_items" USING btree ("run_id","status","item_index");--> statement-breakpoint
CREATE INDEX "analysis_runs_organization_created_idx" ON "analysis_runs" USING btree ("organization_id","created_at");--> statement-breakpoint
CREATE INDEX "analysis_runs_assignment_idx" ON "analysis_runs" USING btree ("organization_id","assignment_id");--> statement-breakpoint
CREATE INDEX "analysis_runs_agent_idx" ON "analysis_runs" USING btree ("organization_id","agent_id");--> statement-breakpoint
CREATE UNIQUE INDEX "analysis_proposals_run_item_unique" ON "analysis_proposals" USING btree ("run_id","item_index");--> statement-breakpoint
CREATE INDEX "analysis_proposals_run_status_idx" ON "analysis_proposals" USING btree ("run_id","status","item_index");--> statement-breakpoint
CREATE INDEX "analysis_proposals_organization_idx" ON "analysis_proposals" USING btree ("organization_id");