import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { PayloadTooLargeError, ValidationError } from '../../platform/http/errors.ts';
import type { ChangeContext, ImportedVersion } from '../agents/index.ts';
import {
  AGENT_FILE_FORMAT,
  AGENT_FILE_FORMAT_VERSION,
  AGENT_FILE_MAX_FILE_BYTES,
  type AgentFileEntry,
} from './agent-file-format.ts';
import type { PortabilityPorts } from './portability-ports.ts';
import type { ImportBody, ImportView } from './portability-schemas.ts';

const MEGABYTE = 1024 * 1024;

const invalid = (field: string, message: string, summary = `Invalid agent file: ${field} ${message}`) =>
  new ValidationError(summary, [{ field, message }]);

/** A file this Agentry can read: its format, its version, and parts that agree with each other. */
function checkFile(body: ImportBody) {
  if (body.format !== AGENT_FILE_FORMAT) {
    throw invalid('format', `must be ${AGENT_FILE_FORMAT}: this is not an Agentry agent file`);
  }
  if (body.format_version !== AGENT_FILE_FORMAT_VERSION) {
    throw invalid(
      'format_version',
      `${body.format_version} is not a version this Agentry reads: it reads format_version ${AGENT_FILE_FORMAT_VERSION} ` +
        '(a newer Agentry wrote the file? export it again with this version, or upgrade)',
    );
  }
  const last = body.versions?.at(-1);
  if (
    last &&
    (!isDeepStrictEqual(last.configuration, body.agent.configuration) ||
      !isDeepStrictEqual(last.provider, body.agent.provider) ||
      !isDeepStrictEqual(last.fallback_provider, body.agent.fallback_provider))
  ) {
    throw invalid(
      `versions[${(body.versions?.length ?? 1) - 1}]`,
      'must be the agent’s current configuration (agent)',
    );
  }
  body.versions?.forEach((version, index) => {
    if (version.version !== index + 1)
      throw invalid(`versions[${index}].version`, `must be ${index + 1}: versions run 1, 2, 3, ...`);
  });
  const names = new Set<string>();
  body.contexts.forEach((context, index) => {
    if (names.has(context.name))
      throw invalid(`contexts[${index}].name`, `names a second context ${context.name}`);
    names.add(context.name);
  });
}

/** The files' bytes, checked against their sizes and checksums, within the size an agent file may carry. */
function decodeFiles(files: AgentFileEntry[]) {
  const total = files.reduce((sum, file) => sum + Buffer.byteLength(file.content_base64, 'base64'), 0);
  if (total > AGENT_FILE_MAX_FILE_BYTES) {
    throw new PayloadTooLargeError(
      'agent_file_too_large',
      `The agent file's files take ${(total / MEGABYTE).toFixed(1)} MB, more than the ${AGENT_FILE_MAX_FILE_BYTES / MEGABYTE} MB an agent file carries`,
      { bytes: total, max_bytes: AGENT_FILE_MAX_FILE_BYTES },
    );
  }
  return files.map((file, index) => {
    const bytes = Buffer.from(file.content_base64, 'base64');
    if (
      createHash('sha256').update(bytes).digest('hex') !== file.sha256 ||
      bytes.length !== file.size_bytes
    ) {
      throw invalid(
        `files[${index}].content_base64`,
        'does not match its sha256 and size_bytes: the file is damaged',
      );
    }
    return { ...file, bytes };
  });
}

/** The configurations to replay, oldest first, with the importer's name (a renamed agent was always so named). */
function versionsToImport(body: ImportBody): ImportedVersion[] {
  const rename = (configuration: Record<string, unknown>) =>
    body.overrides?.name === undefined ? configuration : { ...configuration, name: body.overrides.name };
  if (body.versions && body.overrides?.replay_versions !== false) {
    return body.versions.map((version, index) => ({
      path: `versions[${index}].configuration`,
      configuration: rename(version.configuration),
      provider: version.provider,
      fallbackProvider: version.fallback_provider,
      changeType: version.change_type,
      changeReason: version.change_reason,
    }));
  }
  return [
    {
      path: 'agent.configuration',
      configuration: rename(body.agent.configuration),
      provider: body.agent.provider,
      fallbackProvider: body.agent.fallback_provider,
      changeType: 'agent_created',
      changeReason: null,
    },
  ];
}

/** What the `agent_imported` history row says of where the agent came from. */
function originOf(body: ImportBody, versionsReplayed: number) {
  const { source } = body;
  return {
    reason:
      `Imported from agent ${source.agent_id} (${source.agent_name}) version ${source.version}, ` +
      `exported ${body.exported_at} by Agentry ${body.agentry_version}`,
    details: {
      source,
      exported_at: body.exported_at,
      agentry_version: body.agentry_version,
      format_version: body.format_version,
      versions_replayed: versionsReplayed,
    },
  };
}

/**
 * Agent files in (docs/agent-export.md). Everything gets new ids. Whatever can be checked is checked
 * before anything is stored; then the files are stored (screened as uploads), the agent is created
 * with its versions in one transaction, its contexts created and its files attached. A step that
 * fails undoes the ones before it (the files deleted, the agent deleted), so that a failed import
 * leaves nothing to see.
 */
export function createAgentImportFlow(ports: PortabilityPorts) {
  /** Best effort: the import's own error is what the caller needs to hear. */
  async function undo(context: ChangeContext, stored: { id: string }[], agentId?: string) {
    if (agentId) await ports.agents.remove(agentId, context).catch(() => undefined);
    for (const file of stored) await ports.files.remove(context, file.id, true).catch(() => undefined);
  }

  async function createContexts(context: ChangeContext, agentId: string, body: ImportBody) {
    const contexts = [];
    for (const entry of body.contexts) {
      const { context: created } = await ports.contexts.create(context.principal, agentId, {
        name: entry.name,
        data: entry.data,
        change_description: `Imported from agent ${body.source.agent_id}`,
      });
      contexts.push({ id: created.id, name: created.name, version: created.version });
    }
    return contexts;
  }

  async function attachFiles(
    context: ChangeContext,
    agentId: string,
    files: { id: string; orderIndex: number }[],
  ) {
    const attached = [];
    for (const { id, orderIndex } of files) {
      const done = await ports.agentFiles.attach(context, agentId, {
        file_id: id,
        order_index: orderIndex,
      });
      attached.push({ file_id: done.file_id, filename: done.filename, order_index: done.order_index });
    }
    return attached;
  }

  return {
    async importAgent(context: ChangeContext, body: ImportBody): Promise<ImportView> {
      const { principal } = context;
      checkFile(body);
      const files = decodeFiles(body.files ?? []);
      const versions = versionsToImport(body);
      const project = body.overrides?.project_id;

      const stored: { id: string; orderIndex: number }[] = [];
      let agentId: string | undefined;
      try {
        for (const file of files) {
          const { id } = await ports.storeBytes(principal, {
            filename: file.filename,
            purpose: file.purpose,
            bytes: file.bytes,
          });
          stored.push({ id, orderIndex: file.order_index });
        }
        const { warnings, id } = await ports.imports.importAgent(context, {
          versions,
          status: body.overrides?.status ?? body.agent.status,
          project: project === undefined ? undefined : { id: project, field: 'overrides.project_id' },
          origin: originOf(body, versions.length),
        });
        agentId = id;
        const contexts = await createContexts(context, id, body);
        const attached = await attachFiles(context, id, stored);
        // The agent as it is now, its files attached.
        return { agent: await ports.agents.get(principal, id), warnings, contexts, files: attached };
      } catch (error) {
        await undo(context, stored, agentId);
        throw error;
      }
    },
  };
}

export type AgentImportFlow = ReturnType<typeof createAgentImportFlow>;
