CREATE TABLE "agent_context_shares" (
	"organization_id" uuid NOT NULL,
	"context_id" uuid NOT NULL,
	"agent_id" uuid NOT NULL,
	"access" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "agent_context_shares_context_id_agent_id_pk" PRIMARY KEY("context_id","agent_id")
);
--> statement-breakpoint
CREATE TABLE "agent_context_versions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"organization_id" uuid NOT NULL,
	"context_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"data" jsonb NOT NULL,
	"change_type" text NOT NULL,
	"change_description" text,
	"restored_version" integer,
	"created_by_user_id" uuid,
	"created_by_api_key_id" uuid,
	"created_by_agent_id" uuid,
	"created_by_run_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "agent_contexts" (
	"id" uuid PRIMARY KEY NOT NULL,
	"organization_id" uuid NOT NULL,
	"project_id" uuid,
	"agent_id" uuid NOT NULL,
	"name" text NOT NULL,
	"current_version" integer DEFAULT 1 NOT NULL,
	"created_by_user_id" uuid,
	"created_by_api_key_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "agent_definitions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"slug" text NOT NULL,
	"name" text NOT NULL,
	"agent_type" text NOT NULL,
	"description" text,
	"capabilities" text[] DEFAULT '{}'::text[] NOT NULL,
	"config_schema" jsonb NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"is_enabled" boolean DEFAULT true NOT NULL,
	"source" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "agent_definitions_slug_unique" UNIQUE("slug")
);
--> statement-breakpoint
CREATE TABLE "memories" (
	"id" uuid PRIMARY KEY NOT NULL,
	"organization_id" uuid NOT NULL,
	"agent_id" uuid NOT NULL,
	"namespace" text NOT NULL,
	"scope" text NOT NULL,
	"user_id" text,
	"session_id" uuid,
	"kind" text NOT NULL,
	"content" text NOT NULL,
	"content_key" text NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"source_run_id" uuid,
	"source_message_id" uuid,
	"reinforcement" integer DEFAULT 1 NOT NULL,
	"access_count" integer DEFAULT 0 NOT NULL,
	"last_accessed_at" timestamp with time zone,
	"created_by_user_id" uuid,
	"created_by_api_key_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"search_vector" "tsvector" GENERATED ALWAYS AS (to_tsvector('english', content)) STORED NOT NULL
);
--> statement-breakpoint
CREATE TABLE "projects" (
	"id" uuid PRIMARY KEY NOT NULL,
	"organization_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_by_user_id" uuid,
	"created_by_api_key_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "project_id" uuid;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "project_id" uuid;--> statement-breakpoint
ALTER TABLE "files" ADD COLUMN "project_id" uuid;--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "project_id" uuid;--> statement-breakpoint
ALTER TABLE "agent_context_shares" ADD CONSTRAINT "agent_context_shares_context_id_agent_contexts_id_fk" FOREIGN KEY ("context_id") REFERENCES "public"."agent_contexts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agent_context_shares" ADD CONSTRAINT "agent_context_shares_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agent_context_versions" ADD CONSTRAINT "agent_context_versions_context_id_agent_contexts_id_fk" FOREIGN KEY ("context_id") REFERENCES "public"."agent_contexts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agent_contexts" ADD CONSTRAINT "agent_contexts_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agent_contexts" ADD CONSTRAINT "agent_contexts_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agent_contexts" ADD CONSTRAINT "agent_contexts_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "memories" ADD CONSTRAINT "memories_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "memories" ADD CONSTRAINT "memories_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "projects" ADD CONSTRAINT "projects_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "agent_context_shares_agent_idx" ON "agent_context_shares" USING btree ("agent_id");--> statement-breakpoint
CREATE UNIQUE INDEX "agent_context_versions_context_version_unique" ON "agent_context_versions" USING btree ("context_id","version");--> statement-breakpoint
CREATE UNIQUE INDEX "agent_contexts_agent_name_unique" ON "agent_contexts" USING btree ("agent_id","name");--> statement-breakpoint
CREATE INDEX "agent_contexts_organization_idx" ON "agent_contexts" USING btree ("organization_id","created_at");--> statement-breakpoint
CREATE INDEX "agent_contexts_project_idx" ON "agent_contexts" USING btree ("project_id") WHERE "agent_contexts"."project_id" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "memories_namespace_content_unique" ON "memories" USING btree ("agent_id","namespace","content_key");--> statement-breakpoint
CREATE INDEX "memories_agent_namespace_created_idx" ON "memories" USING btree ("agent_id","namespace","created_at");--> statement-breakpoint
CREATE INDEX "memories_agent_user_idx" ON "memories" USING btree ("agent_id","user_id") WHERE "memories"."user_id" is not null;--> statement-breakpoint
CREATE INDEX "memories_organization_created_idx" ON "memories" USING btree ("organization_id","created_at");--> statement-breakpoint
CREATE INDEX "memories_search_idx" ON "memories" USING gin ("search_vector");--> statement-breakpoint
CREATE UNIQUE INDEX "projects_organization_name_unique" ON "projects" USING btree ("organization_id","name");--> statement-breakpoint
ALTER TABLE "agents" ADD CONSTRAINT "agents_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "files" ADD CONSTRAINT "files_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "agents_project_idx" ON "agents" USING btree ("project_id") WHERE "agents"."project_id" is not null;--> statement-breakpoint
CREATE INDEX "sessions_project_idx" ON "sessions" USING btree ("project_id") WHERE "sessions"."project_id" is not null;--> statement-breakpoint
CREATE INDEX "files_project_idx" ON "files" USING btree ("project_id") WHERE "files"."project_id" is not null;