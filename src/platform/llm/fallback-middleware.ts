import type {
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4Middleware,
} from '@ai-sdk/provider';

export type AnsweringModel = 'primary' | 'fallback';

export interface FallbackOptions {
  fallback: LanguageModelV4;
  /** Whether the primary's error means the fallback should answer instead. */
  shouldFallBack: (error: unknown) => boolean;
  /** Called after each call that answered (for a stream: once the stream has started). */
  onAnswer: (which: AnsweringModel) => void;
}

/**
 * Calls the wrapped (primary) model until it fails with an error `shouldFallBack` accepts; from
 * then on calls `fallback` (one model per turn keeps the conversation consistent). The switch
 * lives in the middleware, so build one per wrapped model. An aborted call never falls back.
 */
export function fallbackMiddleware({
  fallback,
  shouldFallBack,
  onAnswer,
}: FallbackOptions): LanguageModelV4Middleware {
  let usingFallback = false;

  async function call<T>(
    params: LanguageModelV4CallOptions,
    callPrimary: () => PromiseLike<T>,
    callFallback: () => PromiseLike<T>,
  ) {
    if (!usingFallback) {
      try {
        const result = await callPrimary();
        onAnswer('primary');
        return result;
      } catch (error) {
        if (params.abortSignal?.aborted || !shouldFallBack(error)) throw error;
        usingFallback = true;
      }
    }
    const result = await callFallback();
    onAnswer('fallback');
    return result;
  }

  return {
    specificationVersion: 'v4',
    wrapGenerate: ({ params, doGenerate }) => call(params, doGenerate, () => fallback.doGenerate(params)),
    wrapStream: ({ params, doStream }) => call(params, doStream, () => fallback.doStream(params)),
  };
}
