import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

export type EventHandler = (payload: unknown) => void;

/**
 * Fire-and-forget notifications between the parts of one instance and, with Redis, between
 * instances (cache invalidation, revocations). Handlers run for events published locally at once,
 * and for events of other instances when they arrive.
 */
export interface EventBus {
  publish(topic: string, payload: unknown): Promise<void>;
  subscribe(topic: string, handler: EventHandler): () => void;
  /** Resolves when every subscription made so far is active (Redis confirmed it). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

function createHandlerRegistry() {
  const handlers = new Map<string, Set<EventHandler>>();
  return {
    add(topic: string, handler: EventHandler) {
      const set = handlers.get(topic) ?? new Set();
      set.add(handler);
      handlers.set(topic, set);
      return () => set.delete(handler);
    },
    dispatch(topic: string, payload: unknown, onError: (error: unknown) => void) {
      for (const handler of handlers.get(topic) ?? []) {
        try {
          handler(payload);
        } catch (error) {
          onError(error);
        }
      }
    },
    topics: () => [...handlers.keys()],
    clear: () => handlers.clear(),
  };
}

type ErrorSink = (error: unknown, context: string) => void;

export function createLocalEventBus(onError: ErrorSink = () => {}): EventBus {
  const registry = createHandlerRegistry();
  return {
    async publish(topic, payload) {
      registry.dispatch(topic, payload, (error) => onError(error, `event handler for ${topic}`));
    },
    subscribe: (topic, handler) => registry.add(topic, handler),
    async ready() {},
    async close() {
      registry.clear();
    },
  };
}

interface WireMessage {
  origin: string;
  payload: unknown;
}

/**
 * Redis pub/sub bus. `subscriber` must be a dedicated connection (a subscribed connection cannot
 * run other commands). Each message carries the publishing instance's id so it does not handle its
 * own events twice.
 */
export function createRedisEventBus(deps: {
  publisher: Redis;
  subscriber: Redis;
  prefix: string;
  onError?: ErrorSink;
}): EventBus {
  const { publisher, subscriber, prefix } = deps;
  const onError = deps.onError ?? (() => {});
  const origin = randomUUID();
  const registry = createHandlerRegistry();
  const channelOf = (topic: string) => `${prefix}events:${topic}`;
  const subscriptions = new Map<string, Promise<unknown>>();

  subscriber.on('message', (channel: string, raw: string) => {
    if (!channel.startsWith(`${prefix}events:`)) return;
    let message: WireMessage;
    try {
      message = JSON.parse(raw) as WireMessage;
    } catch (error) {
      onError(error, `malformed event on ${channel}`);
      return;
    }
    if (message.origin === origin) return;
    const topic = channel.slice(`${prefix}events:`.length);
    registry.dispatch(topic, message.payload, (error) => onError(error, `event handler for ${topic}`));
  });
  // After a reconnect ioredis re-subscribes by itself (autoResubscribe).

  return {
    async publish(topic, payload) {
      registry.dispatch(topic, payload, (error) => onError(error, `event handler for ${topic}`));
      try {
        await publisher.publish(channelOf(topic), JSON.stringify({ origin, payload } satisfies WireMessage));
      } catch (error) {
        onError(error, `publishing ${topic} to Redis`);
      }
    },
    subscribe(topic, handler) {
      if (!subscriptions.has(topic)) {
        const subscription = subscriber
          .subscribe(channelOf(topic))
          .catch((error: unknown) => onError(error, `subscribing to ${topic}`));
        subscriptions.set(topic, subscription);
      }
      return registry.add(topic, handler);
    },
    async ready() {
      await Promise.all(subscriptions.values());
    },
    async close() {
      registry.clear();
    },
  };
}
