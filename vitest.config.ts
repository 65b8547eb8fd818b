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
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: databaseProjects({
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      // Files, documents and blobs without a database: once is enough.
      databaseFree: [
        'src/modules/analysis/{analysis-batch,proposal-export}.test.ts',
        'src/modules/knowledge/extraction/**/*.test.ts',
        'src/modules/knowledge/{full-text-query,pdf-action-scan,rank-fusion,safe-filename}.test.ts',
        'src/modules/memory/memory-scoring.test.ts',
        'src/modules/knowledge/{suspicious-content,upload-intake,upload-screening,work-directory}.test.ts',
        'src/modules/tasks/task-job.test.ts',
        'src/modules/memory/{offline-memory-extractor,memory-hook,memory-extraction}.test.ts',
        'src/modules/channels/email-adapter.test.ts',
        'src/modules/tasks/task-schedule-cron.test.ts',
        'src/modules/channels/slack-{adapter,inbound,signature}.test.ts',
        'test/stubs/slack-stub.test.ts',
        'src/modules/execution/tool-call-record.test.ts',
        'src/platform/text/bounded-json.test.ts',
        'src/modules/mcp-endpoint/tool-names.test.ts',
        'test/blob-store.test.ts',
        'test/channels-email-listener.test.ts',
        'test/extraction-attacks.test.ts',
        // Hostile input is refused at the HTTP edge, before the database; what gets past it meets
        // the same PostgreSQL engine in PGlite, so once is enough (30 s a run).
        'test/fuzz.test.ts',
      ],
    }),
  },
});
