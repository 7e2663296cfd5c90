/**
 * What the AI routes call: caps the request, routes it through the model router, and attributes
 * the tokens of every call to the calling key — streams included, also when they end early (the
 * provider bills what it generated before the client left or the upstream failed).
 */
import type { KeyUsageTracker } from '../keys/key-usage.js';
import type { ModelRouter, RoutedCompletion, RoutedStream } from './model-router.js';
import type { CallSignal, ChatCompletionRequest, Usage } from './providers/provider.js';

/** Who pays for the tokens; the admin key has no usage record. */
export interface AiCaller {
  id: string;
  isAdmin: boolean;
}

export interface AiServiceDeps {
  router: ModelRouter;
  usage: Pick<KeyUsageTracker, 'recordTokens'>;
  /** Upper bound on `max_tokens` / `max_completion_tokens` of every request. */
  maxTokensCap: number;
}

export type AiService = ReturnType<typeof createAiService>;

/**
 * Bounds the answer length. A request that names no limit gets the cap, so no caller can make a
 * provider generate (and bill) without bound.
 */
export function capMaxTokens(request: ChatCompletionRequest, cap: number): ChatCompletionRequest {
  const capped = { ...request };
  if (capped.max_completion_tokens !== undefined) {
    capped.max_completion_tokens = Math.min(capped.max_completion_tokens, cap);
  } else {
    capped.max_tokens = Math.min(capped.max_tokens ?? cap, cap);
  }
  return capped;
}

export function createAiService(deps: AiServiceDeps) {
  const { router } = deps;

  /** Tokens per caller and model; the admin key's count in the usage series under `admin`. */
  function account(caller: AiCaller, usage: Usage, model: string | undefined): void {
    deps.usage.recordTokens(caller.id, usage.prompt_tokens, usage.completion_tokens, model);
  }

  return {
    async complete(
      caller: AiCaller,
      request: ChatCompletionRequest,
      signal: CallSignal | undefined,
    ): Promise<RoutedCompletion> {
      const routed = await router.chatCompletion(capMaxTokens(request, deps.maxTokensCap), { signal });
      account(caller, routed.completion.usage, routed.model ?? request.model);
      return routed;
    },

    /**
     * Resolves once a provider sent its first chunk; failures before that failed over or throw.
     * The stream's usage is recorded once when it ends, however it ends.
     */
    stream(
      caller: AiCaller,
      request: ChatCompletionRequest,
      signal: CallSignal | undefined,
    ): Promise<RoutedStream> {
      const capped = capMaxTokens({ ...request, stream: true }, deps.maxTokensCap);
      return router.streamCompletion(capped, {
        signal,
        onUsage: (usage, model) => account(caller, usage, model),
      });
    },

    listModels: () => router.listModels(),
    status: () => router.status(),
  };
}
