CREATE TABLE "service_states" (
	"organization_id" uuid NOT NULL,
	"service_type" text NOT NULL,
	"service_id" uuid NOT NULL,
	"service_name" text NOT NULL,
	"circuit_state" text DEFAULT 'closed' NOT NULL,
	"consecutive_failures" integer DEFAULT 0 NOT NULL,
	"opened_at" timestamp with time zone,
	"success_count" bigint DEFAULT 0 NOT NULL,
	"failure_count" bigint DEFAULT 0 NOT NULL,
	"last_success_at" timestamp with time zone,
	"last_failure_at" timestamp with time zone,
	"last_error" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "service_states_organization_id_service_type_service_id_pk" PRIMARY KEY("organization_id","service_type","service_id")
);
--> statement-breakpoint
CREATE TABLE "mcp_servers" (
	"id" uuid PRIMARY KEY NOT NULL,
	"organization_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"transport" text NOT NULL,
	"endpoint" text,
	"command" text,
	"args" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"auth_type" text DEFAULT 'none' NOT NULL,
	"auth_ciphertext" text,
	"health_check_url" text,
	"enabled" boolean DEFAULT true NOT NULL,
	"capabilities" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"server_info" jsonb,
	"resources" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"prompts" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"health_status" text DEFAULT 'pending' NOT NULL,
	"health_error" text,
	"checked_at" timestamp with time zone,
	"check_sequence" integer DEFAULT 0 NOT NULL,
	"timeout_seconds" integer,
	"retry_config" jsonb,
	"circuit_breaker_config" jsonb,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_by_user_id" uuid,
	"created_by_api_key_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "tools" (
	"id" uuid PRIMARY KEY NOT NULL,
	"organization_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"kind" text NOT NULL,
	"input_schema" jsonb NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"http" jsonb,
	"secret_headers_ciphertext" text,
	"secret_header_names" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"mcp_server_id" uuid,
	"mcp_tool_name" text,
	"retry_config" jsonb,
	"circuit_breaker_config" jsonb,
	"created_by_user_id" uuid,
	"created_by_api_key_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "llm_providers" ADD COLUMN "retry_config" jsonb;--> statement-breakpoint
ALTER TABLE "llm_providers" ADD COLUMN "circuit_breaker_config" jsonb;--> statement-breakpoint
ALTER TABLE "service_states" ADD CONSTRAINT "service_states_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mcp_servers" ADD CONSTRAINT "mcp_servers_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tools" ADD CONSTRAINT "tools_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tools" ADD CONSTRAINT "tools_mcp_server_id_mcp_servers_id_fk" FOREIGN KEY ("mcp_server_id") REFERENCES "public"."mcp_servers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "mcp_servers_organization_name_unique" ON "mcp_servers" USING btree ("organization_id",lower("name")) WHERE "mcp_servers"."deleted_at" is null;--> statement-breakpoint
CREATE INDEX "mcp_servers_organization_created_idx" ON "mcp_servers" USING btree ("organization_id","created_at") WHERE "mcp_servers"."deleted_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "tools_organization_name_unique" ON "tools" USING btree ("organization_id",lower("name")) WHERE "tools"."deleted_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "tools_server_tool_unique" ON "tools" USING btree ("mcp_server_id","mcp_tool_name") WHERE "tools"."deleted_at" is null;--> statement-breakpoint
CREATE INDEX "tools_organization_created_idx" ON "tools" USING btree ("organization_id","created_at") WHERE "tools"."deleted_at" is null;