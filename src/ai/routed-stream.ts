/**
 * The stream handed to the caller once a provider delivered its first chunk. From here on no
 * failover is possible: a failure becomes an `AppError` the route turns into an SSE `error` event,
 * and however the stream ends (done, failed, abandoned) the provider's counters are settled once.
 */
import type { CallSignal, ChatCompletionChunk, ProviderError, Usage } from './providers/provider.js';
import { abortedError, midStreamError } from './router-errors.js';

type Outcome = 'success' | 'error' | 'cancelled';

export function createRoutedStream(options: {
  first: IteratorResult<ChatCompletionChunk>;
  iterator: AsyncIterator<ChatCompletionChunk>;
  signal: CallSignal | undefined;
  onEnd: (outcome: Outcome, usage: Usage | undefined, error?: ProviderError) => void;
  asProviderError: (error: unknown) => ProviderError;
}): AsyncIterableIterator<ChatCompletionChunk> {
  const { iterator, signal } = options;
  let pending: IteratorResult<ChatCompletionChunk> | undefined = options.first;
  let ended = false;
  let usage: Usage | undefined;
  const done: IteratorReturnResult<undefined> = { done: true, value: undefined };

  const end = (outcome: Outcome, error?: ProviderError) => {
    if (ended) return;
    ended = true;
    options.onEnd(outcome, usage, error);
  };

  const take = (result: IteratorResult<ChatCompletionChunk>): IteratorResult<ChatCompletionChunk> => {
    if (result.done) {
      end('success');
      return done;
    }
    if (result.value.usage) usage = result.value.usage;
    return result;
  };

  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      if (ended) return done;
      if (pending !== undefined) {
        const result = pending;
        pending = undefined;
        return take(result);
      }
      try {
        return take(await iterator.next());
      } catch (thrown) {
        const error = options.asProviderError(thrown);
        if (error.kind === 'aborted' || signal?.aborted) {
          end('cancelled');
          throw abortedError(thrown);
        }
        end('error', error);
        throw midStreamError(error);
      }
    },
    async return() {
      if (!ended) {
        end('cancelled');
        // Closes the upstream connection: the provider stops generating (and billing) at once.
        await iterator.return?.();
      }
      return done;
    },
  };
}
