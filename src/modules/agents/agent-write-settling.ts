import type { TenantScope } from '../../platform/db/tenant-scope.ts';
import { ValidationError } from '../../platform/http/errors.ts';
import { providerTypes } from '../../platform/llm/provider-connection.ts';
import type { ToolNameCheck } from '../tools/index.ts';
import type { AgentConfig, AgentConfigPatch } from './agent-config.ts';
import { type AgentWrite, conflict } from './agent-input.ts';
import type { ScreeningFindingView } from './agent-schemas.ts';

/** The providers module's answer to "which provider does this reference name?" (id, name or type). */
export type FindUsableProvider = (
  scope: TenantScope,
  reference: string,
) => Promise<{ id: string } | undefined>;

const isProviderType = (reference: string) => (providerTypes as readonly string[]).includes(reference);

const notUsable = (field: string, reference: string) =>
  new ValidationError('The agent names a provider it cannot use', [
    {
      field,
      value: reference,
      message: `names no provider of this organization (by id, name or type): ${reference}`,
    },
  ]);

/**
 * The check of a process that has only the built-in tools (an operator command creating agents
 * from templates, which name no others): any other name is unknown.
 */
export function builtinToolNameCheck(builtinToolNames: readonly string[]): ToolNameCheck {
  const known = new Set(builtinToolNames);
  return async (_scope, names) => ({ unknown: names.filter((name) => !known.has(name)), disabled: [] });
}

function unusableTools(field: string, unknown: string[], disabled: string[]) {
  const reasons = [
    ...(unknown.length > 0 ? [`names no tool of this organization: ${unknown.join(', ')}`] : []),
    ...(disabled.length > 0 ? [`names disabled tools: ${disabled.join(', ')}`] : []),
  ];
  return new ValidationError(`The agent names tools it cannot use: ${[...unknown, ...disabled].join(', ')}`, [
    { field, value: [...unknown, ...disabled], message: reasons.join('; ') },
  ]);
}

const switchKept = (field: string, message: string): ScreeningFindingView => ({
  rule: 'switch_not_applied',
  severity: 'warn',
  field,
  excerpt: 'false',
  message,
});

/**
 * Settles what a write needs the organization's data for: a provider named by a seed alias
 * becomes provider_id, named providers must be ones the organization may use (422 naming the
 * field otherwise), `tools_enabled: true` with no tools named enables the built-in tools, and
 * tools newly named must be enabled tools of the organization (422 naming them otherwise).
 */
export function createWriteSettling({
  findUsableProvider,
  builtinToolNames,
  checkToolNames,
}: {
  findUsableProvider: FindUsableProvider;
  builtinToolNames: readonly string[];
  checkToolNames: ToolNameCheck;
}) {
  async function resolveReference(scope: TenantScope, write: AgentWrite, patch: AgentConfigPatch) {
    const reference = write.providerReference;
    if (!reference) return undefined;
    const provider = await findUsableProvider(scope, reference.value);
    if (provider) {
      if (patch.provider_id !== undefined && patch.provider_id !== provider.id) {
        throw conflict(reference.source, 'provider_id');
      }
      patch.provider_id = provider.id;
      return undefined;
    }
    // A seed client sends its default ("openai") whatever the organization has: the agent keeps
    // the organization's default provider, and the caller is told.
    if (!isProviderType(reference.value)) throw notUsable(reference.source, reference.value);
    return {
      rule: 'unresolved_provider',
      severity: 'warn',
      field: reference.source,
      excerpt: reference.value,
      message: `The organization has no ${reference.value} provider: the agent uses the organization's default provider`,
    } satisfies ScreeningFindingView;
  }

  async function checkProvider(
    scope: TenantScope,
    field: 'provider_id' | 'fallback_provider_id',
    write: AgentWrite,
    patch: AgentConfigPatch,
    current: () => Promise<AgentConfig>,
  ) {
    const providerId = patch[field];
    if (providerId === undefined || providerId === null) return;
    // The provider in place stays: a provider deleted since must not block unrelated changes.
    if (providerId === (await current())[field]) return;
    if (!(await findUsableProvider(scope, providerId)))
      throw notUsable(write.sources[field] ?? field, providerId);
  }

  /**
   * Only names the configuration does not hold yet are checked: a tool disabled or deleted since
   * must not block unrelated changes (the turn skips it with a warning).
   */
  async function checkTools(
    scope: TenantScope,
    write: AgentWrite,
    patch: AgentConfigPatch,
    current: () => Promise<AgentConfig>,
  ) {
    if (!patch.tools || patch.tools.length === 0) return;
    const kept = new Set((await current()).tools);
    const named = [...new Set(patch.tools)].filter((name) => !kept.has(name));
    if (named.length === 0) return;
    const { unknown, disabled } = await checkToolNames(scope, named);
    if (unknown.length > 0 || disabled.length > 0) {
      throw unusableTools(write.sources.tools ?? 'tools', unknown, disabled);
    }
  }

  return {
    /** The write's patch in Agentry's terms, and the warnings it leaves. */
    async settle(
      scope: TenantScope,
      write: AgentWrite,
      current: () => Promise<AgentConfig>,
    ): Promise<{ patch: AgentConfigPatch; warnings: ScreeningFindingView[] }> {
      const patch = { ...write.patch };
      const warning = await resolveReference(scope, write, patch);
      await checkProvider(scope, 'provider_id', write, patch, current);
      await checkProvider(scope, 'fallback_provider_id', write, patch, current);
      if (write.toolsEnabled?.value === true) {
        if (patch.tools?.length === 0) throw conflict(write.toolsEnabled.source, 'tools');
        if ((patch.tools ?? (await current()).tools).length === 0) patch.tools = [...builtinToolNames];
      }
      await checkTools(scope, write, patch, current);
      return { patch, warnings: warning ? [warning] : [] };
    },

    /**
     * The seed 001 switches against the resulting configuration: `voice_enabled: true` needs a
     * voice section (422). `false` removes nothing, since Python clients send it by default with
     * every change: a voice section or tools that stay are reported as warnings.
     */
    checkSwitches(write: AgentWrite, next: Record<string, unknown>): ScreeningFindingView[] {
      const warnings: ScreeningFindingView[] = [];
      const { voiceEnabled, toolsEnabled } = write;
      if (voiceEnabled?.value === true && next.voice === null) {
        throw new ValidationError('The configuration is not valid', [
          {
            field: voiceEnabled.source,
            message: 'needs a voice configuration: send voice with at least voice_id',
          },
        ]);
      }
      if (voiceEnabled?.value === false && next.voice !== null) {
        warnings.push(
          switchKept(voiceEnabled.source, 'The agent keeps its voice section: send voice: null to remove it'),
        );
      }
      if (toolsEnabled?.value === false && (next.tools as string[]).length > 0) {
        warnings.push(
          switchKept(toolsEnabled.source, 'The agent keeps its tools: send tools: [] to remove them'),
        );
      }
      return warnings;
    },
  };
}

export type WriteSettling = ReturnType<typeof createWriteSettling>;
