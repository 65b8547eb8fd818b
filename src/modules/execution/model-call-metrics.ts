import type {
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4StreamPart,
  LanguageModelV4Usage,
} from '@ai-sdk/provider';
import type { Metrics, ModelCallOutcome } from '../../platform/observability/metrics.ts';
import { toExecutionError } from './execution-errors.ts';
import { estimateCost, type PriceTable } from './pricing.ts';

export interface ModelCallMetricsOptions {
  metrics: Pick<Metrics, 'modelCall'>;
  prices: PriceTable;
  providerType: string;
  modelId: string;
}

/**
 * The model with every call counted (docs/metrics.md): its outcome, duration, tokens, estimated
 * cost and, for a failure, the error code the API would report. It wraps the resilient model, so
 * one call is counted once whatever its retries, and an open circuit counts as that call's error.
 * A call ended by the caller's abort (the turn cancelled or timed out) counts as `cancelled`.
 */
export function withModelCallMetrics(
  model: LanguageModelV4,
  options: ModelCallMetricsOptions,
): LanguageModelV4 {
  const { metrics, prices, providerType, modelId } = options;
  function report(
    started: number,
    params: LanguageModelV4CallOptions,
    usage: LanguageModelV4Usage | undefined,
    error?: unknown,
  ) {
    const inputTokens = usage?.inputTokens.total ?? 0;
    const outputTokens = usage?.outputTokens.total ?? 0;
    const failed = error !== undefined;
    const outcome: ModelCallOutcome = !failed
      ? 'success'
      : params.abortSignal?.aborted
        ? 'cancelled'
        : 'error';
    metrics.modelCall({
      providerType,
      model: modelId,
      outcome,
      errorCode: outcome === 'error' ? toExecutionError(error).code : null,
      seconds: (performance.now() - started) / 1000,
      inputTokens,
      outputTokens,
      costUsd: failed
        ? null
        : estimateCost(prices, modelId, { input_tokens: inputTokens, output_tokens: outputTokens }),
    });
  }

  // A plain wrapper rather than wrapLanguageModel: it is built for every turn, on the hot path.
  return {
    specificationVersion: model.specificationVersion,
    provider: model.provider,
    modelId: model.modelId,
    get supportedUrls() {
      return model.supportedUrls;
    },
    async doGenerate(params) {
      const started = performance.now();
      try {
        const result = await model.doGenerate(params);
        report(started, params, result.usage);
        return result;
      } catch (error) {
        report(started, params, undefined, error);
        throw error;
      }
    },
    async doStream(params) {
      const started = performance.now();
      let result: Awaited<ReturnType<LanguageModelV4['doStream']>>;
      try {
        result = await model.doStream(params);
      } catch (error) {
        report(started, params, undefined, error);
        throw error;
      }
      // The call ends with its stream: its usage arrives in the `finish` part.
      let usage: LanguageModelV4Usage | undefined;
      let failure: unknown;
      let reported = false;
      const end = (error?: unknown) => {
        if (reported) return;
        reported = true;
        report(started, params, usage, error);
      };
      const stream = result.stream.pipeThrough(
        new TransformStream<LanguageModelV4StreamPart, LanguageModelV4StreamPart>({
          transform(part, controller) {
            if (part.type === 'finish') usage = part.usage;
            else if (part.type === 'error') failure ??= part.error;
            controller.enqueue(part);
          },
          flush: () => end(failure),
          cancel: (reason) => end(failure ?? reason ?? new Error('The stream was cancelled')),
        }),
      );
      return { ...result, stream };
    },
  };
}
