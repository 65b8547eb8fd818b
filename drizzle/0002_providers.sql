CREATE TABLE "llm_providers" (
	"id" uuid PRIMARY KEY NOT NULL,
	"organization_id" uuid NOT NULL,
	"name" text NOT NULL,
	"type" text NOT NULL,
	"base_url" text,
	"api_key_ciphertext" text,
	"api_key_last4" text,
	"is_active" boolean DEFAULT true NOT NULL,
	"is_default" boolean DEFAULT false NOT NULL,
	"validation_status" text DEFAULT 'pending' NOT NULL,
	"validation_error" text,
	"validated_at" timestamp with time zone,
	"models" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"validation_sequence" integer DEFAULT 0 NOT NULL,
	"created_by_user_id" uuid,
	"created_by_api_key_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "operator_providers" (
	"id" uuid PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"name" text NOT NULL,
	"base_url" text,
	"settings_fingerprint" text NOT NULL,
	"validation_status" text DEFAULT 'pending' NOT NULL,
	"validation_error" text,
	"validated_at" timestamp with time zone,
	"models" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"validation_sequence" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "operator_providers_type_unique" UNIQUE("type")
);
--> statement-breakpoint
ALTER TABLE "llm_providers" ADD CONSTRAINT "llm_providers_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "llm_providers_organization_name_unique" ON "llm_providers" USING btree ("organization_id",lower("name")) WHERE "llm_providers"."deleted_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "llm_providers_organization_default_unique" ON "llm_providers" USING btree ("organization_id") WHERE "llm_providers"."is_default" and "llm_providers"."deleted_at" is null;--> statement-breakpoint
CREATE INDEX "llm_providers_organization_created_idx" ON "llm_providers" USING btree ("organization_id","created_at") WHERE "llm_providers"."deleted_at" is null;