import { AppError } from '../../platform/http/errors.ts';
import type { AgentView } from '../agents/index.ts';
import type { Principal } from '../tenancy/index.ts';
import type { CheckResult, HealthCheck } from './health-checks.ts';

interface ModelChoice {
  provider: { id: string; name: string; type: string };
  modelId: string;
}

/**
 * The models a turn of the agent would use, resolved as a turn resolves them (the execution
 * module's model resolver): it throws the turn's own refusal when they cannot be used.
 */
export type DescribeModels = (
  principal: Principal,
  agent: AgentView,
) => Promise<{ primary: ModelChoice; fallback: ModelChoice | null; warnings: string[] }>;

/** The provider a turn would use, described without its key (the providers module). */
export type DescribeProvider = (
  principal: Principal,
  providerId: string | null,
) => Promise<{ validation_status: string; validation_error: string | null }>;

export interface ConfigurationCheckResult extends CheckResult {
  /** The error code a turn would fail with. */
  code?: string;
  /** The provider and model a turn would use; null when none can be. */
  provider?: ModelChoice['provider'] | null;
  model?: string | null;
}

/**
 * The agent's current configuration resolves to a usable model: its provider (or the one it falls
 * back to: the organization's default, the operator's, the offline model) exists, is active, its
 * key decrypts, a model id is known, and its last validation did not fail. A fallback that cannot
 * be used, or a named model the offline model stands in for, is a warning.
 */
export function configurationCheck(dependencies: {
  describeModels: DescribeModels;
  describeProvider: DescribeProvider;
}): HealthCheck {
  return async (principal, agent): Promise<ConfigurationCheckResult> => {
    let models: Awaited<ReturnType<DescribeModels>>;
    try {
      models = await dependencies.describeModels(principal, agent);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      return {
        status: 'error',
        message: `The agent’s model cannot be used: ${error.message}`,
        code: error.code,
        provider: null,
        model: null,
      };
    }
    const { provider, modelId } = models.primary;
    const resolved = { provider, model: modelId };
    const description = await dependencies.describeProvider(principal, agent.provider_id);
    if (description.validation_status === 'error') {
      return {
        status: 'error',
        message: `The provider ${provider.name} failed its last validation: ${description.validation_error ?? 'no reason given'}`,
        code: 'provider_validation_failed',
        ...resolved,
      };
    }
    if (models.warnings.length > 0)
      return { status: 'warning', message: models.warnings.join(' '), ...resolved };
    return { status: 'healthy', ...resolved };
  };
}
