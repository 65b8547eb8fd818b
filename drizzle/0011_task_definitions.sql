CREATE TABLE "agent_assignments" (
	"id" uuid PRIMARY KEY NOT NULL,
	"organization_id" uuid NOT NULL,
	"agent_id" uuid NOT NULL,
	"task_definition_id" uuid NOT NULL,
	"is_active" boolean DEFAULT true NOT NULL,
	"assigned_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by_user_id" uuid,
	"created_by_api_key_id" uuid,
	"deleted_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "task_definition_versions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"organization_id" uuid NOT NULL,
	"task_definition_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"snapshot" jsonb NOT NULL,
	"checksum" text NOT NULL,
	"change_type" text NOT NULL,
	"changed_fields" text[] NOT NULL,
	"change_reason" text,
	"created_by_user_id" uuid,
	"created_by_api_key_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "task_definitions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"organization_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"instructions" text,
	"response_schema" jsonb NOT NULL,
	"is_active" boolean DEFAULT true NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_by_user_id" uuid,
	"created_by_api_key_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "agent_assignments" ADD CONSTRAINT "agent_assignments_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agent_assignments" ADD CONSTRAINT "agent_assignments_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agent_assignments" ADD CONSTRAINT "agent_assignments_task_definition_id_task_definitions_id_fk" FOREIGN KEY ("task_definition_id") REFERENCES "public"."task_definitions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_definition_versions" ADD CONSTRAINT "task_definition_versions_task_definition_id_task_definitions_id_fk" FOREIGN KEY ("task_definition_id") REFERENCES "public"."task_definitions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_definitions" ADD CONSTRAINT "task_definitions_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "agent_assignments_pair_unique" ON "agent_assignments" USING btree ("agent_id","task_definition_id") WHERE "agent_assignments"."deleted_at" is null;--> statement-breakpoint
CREATE INDEX "agent_assignments_organization_assigned_idx" ON "agent_assignments" USING btree ("organization_id","assigned_at") WHERE "agent_assignments"."deleted_at" is null;--> statement-breakpoint
CREATE INDEX "agent_assignments_definition_idx" ON "agent_assignments" USING btree ("task_definition_id") WHERE "agent_assignments"."deleted_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "task_definition_versions_definition_version_unique" ON "task_definition_versions" USING btree ("task_definition_id","version");--> statement-breakpoint
CREATE UNIQUE INDEX "task_definitions_organization_name_unique" ON "task_definitions" USING btree ("organization_id",lower("name")) WHERE "task_definitions"."deleted_at" is null;--> statement-breakpoint
CREATE INDEX "task_definitions_organization_created_idx" ON "task_definitions" USING btree ("organization_id","created_at") WHERE "task_definitions"."deleted_at" is null;