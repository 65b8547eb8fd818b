CREATE TABLE "budget_spending" (
	"budget_id" uuid NOT NULL,
	"organization_id" uuid NOT NULL,
	"period_start" timestamp with time zone NOT NULL,
	"tokens" bigint DEFAULT 0 NOT NULL,
	"cost_usd" numeric(18, 8) DEFAULT 0 NOT NULL,
	"runs" integer DEFAULT 0 NOT NULL,
	"threshold_alerted_at" timestamp with time zone,
	"exceeded_at" timestamp with time zone,
	CONSTRAINT "budget_spending_budget_id_period_start_pk" PRIMARY KEY("budget_id","period_start")
);
--> statement-breakpoint
CREATE TABLE "budgets" (
	"id" uuid PRIMARY KEY NOT NULL,
	"organization_id" uuid NOT NULL,
	"agent_id" uuid,
	"period" text NOT NULL,
	"token_limit" bigint,
	"cost_limit_usd" numeric(14, 4),
	"alert_threshold_percent" integer,
	"enabled" boolean DEFAULT true NOT NULL,
	"description" text,
	"created_by_user_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "budgets_some_limit_check" CHECK ("budgets"."token_limit" is not null or "budgets"."cost_limit_usd" is not null)
);
--> statement-breakpoint
ALTER TABLE "budget_spending" ADD CONSTRAINT "budget_spending_budget_id_budgets_id_fk" FOREIGN KEY ("budget_id") REFERENCES "public"."budgets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "budget_spending" ADD CONSTRAINT "budget_spending_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "budgets" ADD CONSTRAINT "budgets_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "budgets" ADD CONSTRAINT "budgets_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "budgets_scope_period_idx" ON "budgets" USING btree ("organization_id",coalesce("agent_id", '00000000-0000-0000-0000-000000000000'::uuid),"period");--> statement-breakpoint
CREATE INDEX "budgets_agent_idx" ON "budgets" USING btree ("agent_id") WHERE "budgets"."agent_id" is not null;