import { defineConfig } from 'vitest/config';
import { databaseProjects } from './test/support/database-projects.ts';

/**
 * The whole suite runs on PGlite and, when TEST_DATABASE_URL is set, again on PostgreSQL. The slow
 * fault tests (test/faults, `npm run test:faults`) have a configuration of their own.
 */
export default defineConfig({
  test: {
    // Files wait on I/O most of their time (the database, the job queue's polling, servers they
    // start): one file a core leaves the cores idle a fifth of the time; three at once keep two
    // cores busy (175% CPU measured, the suite 19% shorter than with two).
    maxWorkers: 3,
    // The files of a worker share its modules (each still starts its own app and database): the
    // suite spent a fifth of its time importing them again for every file (646 s, then 343 s).
    isolate: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: databaseProjects({
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      // Tests that touch no database (units, documents, blobs, stubs): once is enough.
      databaseFree: [
        'src/modules/agents/{agent-input,agent-lifecycle,agent-templates,agent-versioning,prompt-screening}.test.ts',
        'src/modules/analysis/{analysis-batch,proposal-export}.test.ts',
        'src/modules/backups/{backup-manifest,backup-settings}.test.ts',
        'src/modules/budgets/budget-periods.test.ts',
        'src/modules/channels/{email-adapter,slack-adapter,slack-inbound,slack-signature}.test.ts',
        'src/modules/conversations/thread-summary-hook.test.ts',
        'src/modules/execution/{builtin-tools,context-pipeline,execution-errors,model-loop,pricing,provided-history-source,structured-output,system-prompt-source,thread-summarizer,tool-call-record,turn-answer}.test.ts',
        'src/modules/kinds/kind-registry.test.ts',
        'src/modules/knowledge/{full-text-query,pdf-action-scan,rank-fusion,safe-filename,suspicious-content,upload-intake,upload-screening,work-directory}.test.ts',
        'src/modules/knowledge/extraction/{chunking,csv-text,docx-text,extract-document,extract-in-worker,extracted-findings,ooxml-guard,pdf-text,plain-text,xlsx-text}.test.ts',
        'src/modules/limits/{limit-settings,sign-in-lock-policy,sliding-window}.test.ts',
        'src/modules/mcp-endpoint/tool-names.test.ts',
        'src/modules/memory/{memory-extraction,memory-hook,memory-scoring,offline-memory-extractor}.test.ts',
        'src/modules/monitoring/health-checks.test.ts',
        'src/modules/openai-compat/openai-messages.test.ts',
        'src/modules/providers/provider-validation.test.ts',
        'src/modules/services/service-health.test.ts',
        'src/modules/tasks/{task-job,task-schedule-cron}.test.ts',
        'src/modules/tools/{mcp-tool-names,mcp-tool-result}.test.ts',
        'src/platform/cache/invalidating-cache.test.ts',
        'src/platform/crypto/secret-box.test.ts',
        'src/platform/db/{data-dir-lock,errors,group-commit,ids,write-behind}.test.ts',
        'src/platform/http/{field-value,input-rules,openai-error-body,outbound-guard,seed-error-codes}.test.ts',
        'src/platform/llm/{fallback-middleware,json-schema-validator,model-factory,offline-model,resilient-model,schema-instance}.test.ts',
        'src/platform/observability/{logger,tracing,tracing-propagation}.test.ts',
        'src/platform/resilience/resilience.test.ts',
        'src/platform/text/{bounded-json,shorten,storable}.test.ts',
        'test/stubs/*.test.ts',
        'test/blob-store.test.ts',
        // It starts its own embedded Agentry on the defaults, as `npm run client:generate` does.
        'test/client-sync.test.ts',
        'test/channels-email-listener.test.ts',
        'test/deployment-files.test.ts',
        'test/metrics-units.test.ts',
        // Hostile input is refused at the HTTP edge, before the database; what gets past it meets
        // the same PostgreSQL engine in PGlite, so once is enough (30 s a run).
        'test/fuzz.test.ts',
      ],
      isolated: [
        // The extraction worker pool is process-wide: its counts assume a pool no other file used.
        'src/modules/knowledge/extraction/extraction-worker-pool.test.ts',
        // It measures the CPU time of its own thread while a hostile document is refused.
        'test/extraction-attacks.test.ts',
        // It registers the OpenTelemetry SDK, which is process-wide.
        'src/platform/observability/tracing-model.test.ts',
      ],
    }),
  },
});
