#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { Argument, Command, Option } from 'commander';
import packageJson from '../package.json' with { type: 'json' };
import { registerBackupCommands } from './cli/backup-commands.ts';
import { type Config, ConfigError, loadConfig } from './config.ts';
import { agentTemplateSlugs } from './modules/agents/agent-templates.ts';
import { type OrganizationTier, organizationTiers } from './modules/limits/limit-settings.ts';
import { DataDirectoryInUseError } from './platform/db/data-dir-lock.ts';
import { AppError, ValidationError } from './platform/http/errors.ts';
import { processLogger } from './platform/observability/logger.ts';
import { startTracing, type Tracing } from './platform/observability/tracing.ts';
import type { ProcessRole, RunningAgentry } from './server.ts';

/**
 * After the grace period, cancelled turns are recorded and the database closed within this: a
 * shutdown still unfinished then is stuck, and the process exits anyway (with 1).
 */
const SHUTDOWN_MARGIN_SECONDS = 5;

/**
 * The process's own log lines (start, stop, refusals, failures), JSON like the server's, written
 * whatever LOG_LEVEL says: on standard error for operator commands, whose standard output is their
 * result; the server commands switch it to standard output, their stream of log lines.
 */
let log = processLogger('info', 2);

function stopOnSignals(running: RunningAgentry, config: Config, tracing: Tracing | null) {
  const shutdown = (signal: string) => {
    log.info(
      { signal },
      `${signal} received: finishing in-flight requests and running jobs (up to ${config.shutdownGraceSeconds} s), then stopping`,
    );
    const force = setTimeout(
      () => {
        log.error('graceful shutdown did not complete; exiting');
        process.exit(1);
      },
      (config.shutdownGraceSeconds + SHUTDOWN_MARGIN_SECONDS) * 1000,
    );
    force.unref();
    running
      .stop()
      // The spans of the last requests and jobs are exported before the process ends.
      .finally(() => tracing?.shutdown())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          log.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

/**
 * The server is loaded only once the environment is settled: provider SDKs read their own
 * variables (e.g. ANTHROPIC_BASE_URL) when imported and reject empty ones, which Agentry's own
 * configuration treats as unset.
 */
async function loadServer() {
  for (const [name, value] of Object.entries(process.env)) if (value === '') delete process.env[name];
  return import('./server.ts');
}

/** Why a process that leaves the jobs (or the API) to another cannot run on the embedded database. */
const embeddedRoleRefusals: Partial<Record<ProcessRole, string>> = {
  api:
    '`agentry serve --no-worker` needs PostgreSQL (DATABASE_URL): the embedded database in DATA_DIR can be ' +
    'opened by one process at a time, so no `agentry worker` could run the background jobs (provider ' +
    'validation, maintenance) and they would wait forever. Run `agentry serve` without --no-worker.',
  worker:
    '`agentry worker` needs PostgreSQL (DATABASE_URL): the embedded database in DATA_DIR can be opened by ' +
    'one process at a time, and `agentry serve` already runs the background jobs in its own process.',
};

function refuseEmbeddedSplit(config: Config, role: ProcessRole) {
  const refusal = config.databaseUrl ? undefined : embeddedRoleRefusals[role];
  if (refusal) throw new ConfigError(refusal);
}

const describeDatabase = (config: Config) =>
  config.databaseUrl ? 'PostgreSQL' : `embedded PGlite in ${config.dataDir}`;

async function serve(options: { port?: string; host?: string; worker: boolean }) {
  const config = loadConfig({
    ...process.env,
    ...(options.port ? { PORT: options.port } : {}),
    ...(options.host ? { HOST: options.host } : {}),
  });
  const role: ProcessRole = options.worker ? 'all' : 'api';
  refuseEmbeddedSplit(config, role);
  // Opening and migrating the embedded database takes a few seconds on a first start: say so.
  if (!config.databaseUrl) {
    log.info(
      { data_dir: config.dataDir },
      `Starting the embedded database in ${join(config.dataDir, 'db')} ...`,
    );
  }
  const tracing = await startTracing(config.tracing, log);
  const { startServer } = await loadServer();
  const running = await startServer(config, role);
  const workers = role === 'all' ? 'with in-process workers' : 'without workers';
  log.info(
    { url: running.url, version: packageJson.version },
    `Agentry ${packageJson.version} is listening on ${running.url} (database: ${describeDatabase(config)}, ${workers})`,
  );
  const firstAccount = config.allowRegistration
    ? `POST ${running.url}/api/v1/auth/register`
    : '`agentry create-admin` (registration is closed)';
  if (config.consoleEnabled) log.info(`Web console: open ${running.url}/ in a browser`);
  log.info(`API docs: ${running.url}/docs — create the first account with ${firstAccount}`);
  if (running.metricsUrl) log.info({ metrics_url: running.metricsUrl }, `Metrics: ${running.metricsUrl}`);
  stopOnSignals(running, config, tracing);
}

async function work() {
  const config = loadConfig();
  refuseEmbeddedSplit(config, 'worker');
  const tracing = await startTracing(config.tracing, log);
  const { startServer } = await loadServer();
  const running = await startServer(config, 'worker');
  log.info(
    { version: packageJson.version },
    `Agentry ${packageJson.version} worker is running (database: ${describeDatabase(config)})`,
  );
  if (running.metricsUrl) log.info({ metrics_url: running.metricsUrl }, `Metrics: ${running.metricsUrl}`);
  stopOnSignals(running, config, tracing);
}

/** Opens the database for an operator command; beside a live server on the embedded one, refused with `refusal` first. */
async function openForCommand(config: Config, refusal: string) {
  const { openConfiguredDatabase } = await loadServer();
  return openConfiguredDatabase(config).catch((error: unknown) => {
    if (error instanceof DataDirectoryInUseError) error.message = `${refusal} ${error.message}`;
    throw error;
  });
}

/**
 * Runs an operator command on the migrated database (a fresh deployment may run one before its
 * first `agentry serve`), closing it afterwards; `refusal` explains why it cannot run beside a
 * live server on the embedded database.
 */
async function withMigratedDatabase<T>(
  refusal: string,
  command: (database: Awaited<ReturnType<typeof openForCommand>>, config: Config) => Promise<T>,
): Promise<T> {
  const config = loadConfig();
  const database = await openForCommand(config, refusal);
  try {
    await database.migrate();
    return await command(database, config);
  } finally {
    await database.close();
  }
}

async function migrate() {
  const config = loadConfig();
  // A server migrates the embedded database when it starts: beside one, there is nothing to do.
  const database = await openForCommand(config, 'agentry migrate refuses to run beside a live server.');
  try {
    await database.migrate();
    log.info({ database: database.kind }, `Migrations applied (${database.kind}).`);
  } finally {
    await database.close();
  }
}

/** Changes an organization's tier; running servers apply it from their next request (docs/limits.md). */
async function setTier(organization: string, tier: OrganizationTier) {
  const config = loadConfig();
  const { openConfiguredDatabase } = await loadServer();
  const { changeOrganizationTier } = await import('./modules/limits/index.ts');
  const database = await openConfiguredDatabase(config);
  try {
    const changed = await changeOrganizationTier(database, organization, tier);
    if (!changed) {
      log.error(`No organization has the id or slug ${organization}.`);
      process.exitCode = 1;
      return;
    }
    console.log(`${changed.name} (${changed.slug}, ${changed.id}) is now on the ${changed.tier} tier.`);
  } finally {
    await database.close();
  }
}

/** A mistake in a command's arguments: printed as its message alone, like configuration errors. */
class CommandRefusal extends Error {}

/** The first line of a file, or of standard input for `-`: a secret that never appears in `ps`. */
async function readFirstLine(path: string): Promise<string> {
  const content =
    path === '-'
      ? await text(process.stdin)
      : await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
          throw new CommandRefusal(`Cannot read the password file ${path} (${error.code ?? error.message}).`);
        });
  const [firstLine = ''] = content.split(/\r?\n/, 1);
  if (!firstLine)
    throw new CommandRefusal(`The password file ${path === '-' ? '(standard input)' : path} is empty.`);
  return firstLine;
}

/** The registration fields a validation error names, as the options of `create-admin`. */
const adminOptionNames: Record<string, string> = {
  email: '--email',
  password: 'the password',
  full_name: '--full-name',
  organization_name: '--organization',
};

const namedAsOptions = (error: ValidationError) =>
  new ValidationError(
    error.message,
    error.fieldErrors.map(({ field, message }) => ({ field: adminOptionNames[field] ?? field, message })),
  );

async function createAdmin(options: {
  email: string;
  password?: string;
  passwordFile?: string;
  organization: string;
  fullName: string;
}) {
  if (options.password === undefined && options.passwordFile === undefined) {
    throw new CommandRefusal(
      'Give the password with --password-file <path> (or - for standard input) or --password.',
    );
  }
  const password = options.password ?? (await readFirstLine(options.passwordFile as string));
  await withMigratedDatabase(
    'agentry create-admin cannot run beside a live server on the embedded database: stop the server, create the administrator, then start it again.',
    async (database, config) => {
      const { createOrganizationAdmin } = await import('./modules/tenancy/index.ts');
      const { organization, user } = await createOrganizationAdmin(
        database.db,
        {
          email: options.email,
          password,
          full_name: options.fullName,
          organization_name: options.organization,
        },
        config.limits.defaultTier,
      ).catch((error: unknown) => {
        throw error instanceof ValidationError ? namedAsOptions(error) : error;
      });
      console.log(`Created the organization ${organization.name} and its org_admin ${user.email}.`);
      console.log(`organization_id: ${organization.id}`);
      console.log(`organization_slug: ${organization.slug}`);
      console.log(`user_id: ${user.id}`);
    },
  );
}

/** Creates the templates' agents in an organization, once: a second run finds them (docs/agents.md, Templates). */
async function seedAgents(options: { organization: string; template?: string[] }) {
  await withMigratedDatabase(
    'agentry seed-agents cannot run beside a live server on the embedded database: stop the server first, or create the agents over HTTP (POST /api/v1/agents/templates/{name}).',
    async (database, config) => {
      const { findOrganizationByReference } = await import('./modules/tenancy/index.ts');
      const { seedAgentTemplates } = await import('./modules/agents/index.ts');
      const { runningTurnsOf } = await import('./modules/runs/index.ts');
      const { usableProviderLookup } = await import('./modules/providers/index.ts');
      const { builtinToolNames } = await import('./modules/execution/index.ts');
      const { createKindService, loadAgentKinds } = await import('./modules/kinds/index.ts');
      const { secretKeyFor } = await loadServer();
      const organization = await findOrganizationByReference(database.db, options.organization);
      if (!organization)
        throw new CommandRefusal(`No organization has the id or slug ${options.organization}.`);
      const seeded = await seedAgentTemplates(database, {
        organizationId: organization.id,
        slugs: [...new Set(options.template ?? agentTemplateSlugs)],
        promptScreening: config.promptScreening,
        runningTurns: runningTurnsOf,
        findUsableProvider: usableProviderLookup({
          db: database.db,
          operatorProviders: config.operatorProviders,
          operatorProvidersShared: config.operatorProvidersShared,
          secretKey: secretKeyFor(config),
        }),
        builtinToolNames,
        kinds: createKindService({
          db: database.db,
          registry: await loadAgentKinds(database.db, config.agentKinds, reportKindModule),
          log,
        }).port,
      });
      for (const { slug, agent, created } of seeded) {
        console.log(`${created ? 'Created' : 'Found existing'} ${slug}: ${agent.name} (${agent.id})`);
      }
    },
  );
}

/** A module of AGENT_REGISTRY_MODULES that did not load, as the server logs it: one JSON line. */
const reportKindModule = ({ module, reason }: { module: string; reason: string }) =>
  log.error({ agent_kind_module: module, reason }, 'agent kind module not loaded');

/** `agentry agent-definitions list`: the registry of agent kinds, as this configuration loads it. */
async function listDefinitions() {
  await withMigratedDatabase(
    'agentry agent-definitions cannot run beside a live server on the embedded database: stop the server first.',
    async (database, config) => {
      const { listAgentDefinitions } = await import('./modules/kinds/index.ts');
      const definitions = await listAgentDefinitions(database, config.agentKinds, reportKindModule);
      console.log(['slug', 'enabled', 'loaded', 'agent_type', 'source', 'name'].join('\t'));
      for (const definition of definitions) {
        const { slug, is_enabled, is_loaded, agent_type, source, name } = definition;
        console.log([slug, is_enabled, is_loaded, agent_type, source, name].join('\t'));
      }
    },
  );
}

/** `agentry agent-definitions enable|disable <slug>`: running servers apply it to the next agent written. */
async function switchDefinition(slug: string, enabled: boolean) {
  await withMigratedDatabase(
    'agentry agent-definitions cannot run beside a live server on the embedded database: stop the server first.',
    async (database, _config) => {
      const { setAgentDefinitionEnabled } = await import('./modules/kinds/index.ts');
      const definition = await setAgentDefinitionEnabled(database, slug, enabled);
      if (!definition) {
        throw new CommandRefusal(
          `No agent definition has the slug ${slug} (\`agentry agent-definitions list\` shows them).`,
        );
      }
      console.log(
        enabled
          ? `${slug} is enabled: new agents may be of this kind.`
          : `${slug} is disabled: no new agent may be of this kind (existing agents keep it).`,
      );
    },
  );
}

// Settings may also come from a .env file in the working directory; real environment variables win.
if (existsSync('.env')) process.loadEnvFile('.env');

const program = new Command('agentry').version(packageJson.version).description(packageJson.description);
program
  .command('serve')
  .description('Serve the API, with queue workers in the same process unless --no-worker')
  .option('-p, --port <port>', 'port to listen on (overrides PORT)')
  .option('-H, --host <host>', 'interface to listen on (overrides HOST)')
  .option('--no-worker', 'serve the API only; run `agentry worker` processes for the background jobs')
  .action(serve);
program.command('worker').description('Run queue workers only (no HTTP)').action(work);
program.command('migrate').description('Apply database migrations and exit').action(migrate);
program
  .command('organizations')
  .description('Operator work on organizations')
  .command('set-tier')
  .description('Set the tier (rate limits, caps) of an organization, by id or slug')
  .argument('<organization>', 'the organization’s id or slug')
  .addArgument(new Argument('<tier>').choices(organizationTiers))
  .action(setTier);
program
  .command('create-admin')
  .description(
    'Create an organization and its org_admin (the first account where ALLOW_REGISTRATION=false); refused when the email exists',
  )
  .requiredOption('--email <email>', 'the administrator’s email (their sign-in)')
  .addOption(
    new Option(
      '--password-file <path>',
      'read the password from the first line of a file (- for standard input)',
    ),
  )
  .addOption(
    new Option(
      '--password <password>',
      'the password itself (visible to other users in `ps`: prefer --password-file)',
    ).conflicts('passwordFile'),
  )
  .requiredOption('--organization <name>', 'the organization’s name')
  .option('--full-name <name>', 'the administrator’s name', 'Admin User')
  .action(createAdmin);
program
  .command('seed-agents')
  .description('Create the agent templates’ agents in an organization, once (a second run finds them)')
  .requiredOption('--organization <organization>', 'the organization’s id or slug')
  .addOption(
    new Option('--template <name...>', 'only these templates (default: all)').choices(agentTemplateSlugs),
  )
  .action(seedAgents);

registerBackupCommands(program, loadServer, (message) => log.error(message));

const definitions = program
  .command('agent-definitions')
  .description('Operator work on the registry of agent kinds (docs/agent-kinds.md)');
definitions
  .command('list')
  .description('List the agent definitions, enabled or not, and whether this configuration loads each kind')
  .action(listDefinitions);
definitions
  .command('enable')
  .description('Let new agents be of this kind')
  .argument('<slug>', 'the definition’s slug')
  .action((slug: string) => switchDefinition(slug, true));
definitions
  .command('disable')
  .description('Refuse new agents of this kind (existing agents keep it)')
  .argument('<slug>', 'the definition’s slug')
  .action((slug: string) => switchDefinition(slug, false));

/** Refusals the operator can act on are printed as their message alone, without a stack. */
const isRefusal = (error: unknown): error is Error =>
  error instanceof ConfigError ||
  error instanceof DataDirectoryInUseError ||
  error instanceof CommandRefusal ||
  (error instanceof AppError && error.category === 'user');

const describeRefusal = (error: Error) =>
  error instanceof ValidationError
    ? [error.message, ...error.fieldErrors.map(({ field, message }) => `  ${field}: ${message}`)].join('\n')
    : error.message;

/**
 * Node's own messages as JSON lines too: its warnings (which it would print as text on standard
 * error) and a crash (an uncaught exception or unhandled rejection: logged, then exit 1 as Node would).
 */
function logProcessEvents() {
  for (const listener of process.listeners('warning')) process.removeListener('warning', listener);
  process.on('warning', (warning) => log.warn({ err: warning }, warning.message));
  process.on('uncaughtException', (error) => {
    log.fatal({ err: error }, 'uncaught exception');
    process.exit(1);
  });
}

program.hook('preAction', (_program, command) => {
  // The server commands write every line to standard output, with the server's own log lines.
  if (command.name() === 'serve' || command.name() === 'worker') log = processLogger('info', 1);
  logProcessEvents();
});

program.parseAsync().catch((error: unknown) => {
  if (isRefusal(error)) log.error(describeRefusal(error));
  else log.error({ err: error }, 'agentry failed');
  process.exit(1);
});
