DROP INDEX "memories_search_idx";--> statement-breakpoint
CREATE INDEX "memories_agent_namespace_used_idx" ON "memories" USING btree ("agent_id","namespace",greatest("created_at", "updated_at", "last_accessed_at"));--> statement-breakpoint
CREATE INDEX "memories_agent_namespace_reinforcement_idx" ON "memories" USING btree ("agent_id","namespace","reinforcement");--> statement-breakpoint
CREATE INDEX "memories_search_idx" ON "memories" USING gin ("search_vector") WITH (fastupdate=false);