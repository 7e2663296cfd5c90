/**
 * The stream handed to the caller once a provider delivered its first chunk. From here on no
 * failover is possible: a failure becomes an `AppError` the route turns into an SSE `error` event,
 * and however the stream ends (done, failed, abandoned) the provider's counters are settled once,
 * with the call's usage: as reported, else estimated from the length of what was streamed (the
 * provider bills what it generated before the client left or the upstream failed).
 */
import {
  type CallSignal,
  type ChatCompletionChunk,
  type ChatCompletionRequest,
  estimatedUsage,
  type ProviderError,
  type Usage,
} from './providers/provider.js';
import { abortedError, midStreamError } from './router-errors.js';

type Outcome = 'success' | 'error' | 'cancelled';

export interface RoutedChunks extends AsyncIterableIterator<ChatCompletionChunk> {
  /** Usage once the stream ended: reported by the provider, else estimated; undefined before. */
  usage(): Usage | undefined;
}

/** Characters of a chunk's text (content and tool calls), for estimating usage of an unfinished stream. */
function textLength(chunk: ChatCompletionChunk): number {
  let length = 0;
  for (const choice of chunk.choices) {
    length += choice.delta.content?.length ?? 0;
    const calls = choice.delta.tool_calls;
    if (!calls) continue;
    for (const call of calls)
      length += (call.function?.name?.length ?? 0) + (call.function?.arguments?.length ?? 0);
  }
  return length;
}

export function createRoutedStream(options: {
  first: IteratorResult<ChatCompletionChunk>;
  iterator: AsyncIterator<ChatCompletionChunk>;
  /** The request as sent, whose prompt an estimate counts. */
  request: ChatCompletionRequest;
  signal: CallSignal | undefined;
  /** `reported` is the provider's usage (undefined if it sent none); `usage` is never undefined. */
  onEnd: (outcome: Outcome, usage: Usage, reported: Usage | undefined, error?: ProviderError) => void;
  asProviderError: (error: unknown) => ProviderError;
}): RoutedChunks {
  const { iterator, signal } = options;
  let pending: IteratorResult<ChatCompletionChunk> | undefined = options.first;
  let ended = false;
  let reported: Usage | undefined;
  let final: Usage | undefined;
  let streamedLength = 0;
  const done: IteratorReturnResult<undefined> = { done: true, value: undefined };

  const end = (outcome: Outcome, error?: ProviderError) => {
    if (ended) return;
    ended = true;
    final = reported ?? estimatedUsage(options.request, streamedLength);
    options.onEnd(outcome, final, reported, error);
  };

  const take = (result: IteratorResult<ChatCompletionChunk>): IteratorResult<ChatCompletionChunk> => {
    if (result.done) {
      end('success');
      return done;
    }
    const chunk = result.value;
    if (chunk.usage) reported = chunk.usage;
    else streamedLength += textLength(chunk);
    return result;
  };

  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    usage: () => final,
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
