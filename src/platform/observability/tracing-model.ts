import type {
  LanguageModelV4,
  LanguageModelV4FinishReason,
  LanguageModelV4Middleware,
  LanguageModelV4StreamPart,
  LanguageModelV4Usage,
} from '@ai-sdk/provider';
import { context, type Span, SpanKind, trace } from '@opentelemetry/api';
import { wrapLanguageModel } from 'ai';
import { inSpan, recordSpanError, startSpan, tracingEnabled } from './tracing.ts';

/** What a model call's span says when it ends (OpenTelemetry's GenAI conventions). */
function recordOutcome(
  span: Span,
  usage: LanguageModelV4Usage | undefined,
  finish: LanguageModelV4FinishReason,
) {
  span.setAttributes({
    'gen_ai.usage.input_tokens': usage?.inputTokens.total ?? 0,
    'gen_ai.usage.output_tokens': usage?.outputTokens.total ?? 0,
    'gen_ai.response.finish_reasons': [finish.unified],
  });
}

/**
 * The model with a span per call (`chat <model>`, client kind): the provider's type and the model,
 * the tokens and finish reason, or the error. The provider's HTTP request is made inside the span,
 * so its `traceparent` names it. A streamed call's span ends with its stream. Without tracing, the
 * model itself.
 */
export function tracedModel(model: LanguageModelV4, providerType: string): LanguageModelV4 {
  if (!tracingEnabled()) return model;
  const name = `chat ${model.modelId}`;
  const options = {
    kind: SpanKind.CLIENT,
    attributes: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': providerType,
      'gen_ai.request.model': model.modelId,
    },
  };
  const middleware: LanguageModelV4Middleware = {
    specificationVersion: 'v4',
    wrapGenerate: ({ doGenerate }) =>
      inSpan(name, options, async (span) => {
        const result = await doGenerate();
        recordOutcome(span, result.usage, result.finishReason);
        return result;
      }),
    async wrapStream({ doStream }) {
      const span = startSpan(name, options);
      let result: Awaited<ReturnType<typeof doStream>>;
      try {
        result = await inSpanContext(span, doStream);
      } catch (error) {
        recordSpanError(span, error);
        span.end();
        throw error;
      }
      const watched = new TransformStream<LanguageModelV4StreamPart, LanguageModelV4StreamPart>({
        transform(part, controller) {
          if (part.type === 'finish') recordOutcome(span, part.usage, part.finishReason);
          else if (part.type === 'error') recordSpanError(span, part.error);
          controller.enqueue(part);
        },
        flush: () => span.end(),
        cancel(reason) {
          recordSpanError(span, reason);
          span.end();
        },
      });
      return { ...result, stream: result.stream.pipeThrough(watched) };
    },
  };
  return wrapLanguageModel({ model, middleware });
}

/** Runs `work` with `span` active, without ending it. */
const inSpanContext = <T>(span: Span, work: () => PromiseLike<T>): Promise<T> =>
  context.with(trace.setSpan(context.active(), span), () => Promise.resolve(work()));
