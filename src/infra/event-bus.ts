import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';

export type EventHandler = (payload: unknown) => void;

/**
 * Fire-and-forget notifications between the parts of one instance and between instances (cache
 * invalidation, revocations). Handlers run for events published locally at once, and for events of
 * other instances when one of the bus's transports brings them.
 */
export interface EventBus {
  publish(topic: string, payload: unknown): Promise<void>;
  subscribe(topic: string, handler: EventHandler): () => void;
  /** Resolves when every subscription made so far is active (Redis confirmed it). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** An event as it travels between instances. */
export interface BusEvent {
  /** Unique per event: an event that two transports both bring is handled once. */
  id: string;
  /** The publishing instance, which does not handle its own event a second time. */
  origin: string;
  topic: string;
  payload: unknown;
}

/** A way for events to reach the other instances: Redis pub/sub, the database's change log. */
export interface EventTransport {
  send(event: BusEvent): Promise<void>;
  /** Starts handing the other instances' events of `topic` to `receive`. */
  listen(topic: string, receive: (event: BusEvent) => void): Promise<void>;
  close(): Promise<void>;
}

type ErrorSink = (error: unknown, context: string) => void;

/** How many delivered event ids are remembered to drop the copy a second transport brings. */
const REMEMBERED_EVENTS = 10_000;

export function createEventBus(transports: EventTransport[] = [], onError: ErrorSink = () => {}): EventBus {
  const origin = randomUUID();
  const handlers = new Map<string, Set<EventHandler>>();
  const listening = new Map<string, Promise<unknown>>();
  const delivered = new LRUCache<string, true>({ max: REMEMBERED_EVENTS });

  const dispatch = (topic: string, payload: unknown) => {
    for (const handler of handlers.get(topic) ?? []) {
      try {
        handler(payload);
      } catch (error) {
        onError(error, `event handler for ${topic}`);
      }
    }
  };
  const receive = (event: BusEvent) => {
    if (event.origin === origin || delivered.has(event.id)) return;
    delivered.set(event.id, true);
    dispatch(event.topic, event.payload);
  };

  return {
    async publish(topic, payload) {
      dispatch(topic, payload);
      const event: BusEvent = { id: randomUUID(), origin, topic, payload };
      await Promise.all(
        transports.map((transport) =>
          transport
            .send(event)
            .catch((error: unknown) => onError(error, `sending ${topic} to other instances`)),
        ),
      );
    },
    subscribe(topic, handler) {
      if (transports.length > 0 && !listening.has(topic)) {
        const started = Promise.all(
          transports.map((transport) =>
            transport
              .listen(topic, receive)
              .catch((error: unknown) => onError(error, `subscribing to ${topic}`)),
          ),
        );
        listening.set(topic, started);
      }
      const set = handlers.get(topic) ?? new Set();
      set.add(handler);
      handlers.set(topic, set);
      return () => set.delete(handler);
    },
    async ready() {
      await Promise.all(listening.values());
    },
    async close() {
      handlers.clear();
      await Promise.all(transports.map((transport) => transport.close()));
    },
  };
}

/** The bus of a single instance: handlers of this process only. */
export function createLocalEventBus(onError: ErrorSink = () => {}): EventBus {
  return createEventBus([], onError);
}

/**
 * Redis pub/sub, one channel per topic. `subscriber` must be a dedicated connection (a subscribed
 * connection cannot run other commands); after a reconnect ioredis re-subscribes by itself. Both
 * connections belong to the caller.
 */
export function redisEventTransport(deps: {
  publisher: Redis;
  subscriber: Redis;
  prefix: string;
  onError: ErrorSink;
}): EventTransport {
  const { publisher, subscriber, prefix, onError } = deps;
  const channelPrefix = `${prefix}events:`;
  const receivers = new Map<string, (event: BusEvent) => void>();

  subscriber.on('message', (channel: string, raw: string) => {
    if (!channel.startsWith(channelPrefix)) return;
    const topic = channel.slice(channelPrefix.length);
    let message: Partial<BusEvent>;
    try {
      message = JSON.parse(raw) as Partial<BusEvent>;
    } catch (error) {
      onError(error, `malformed event on ${channel}`);
      return;
    }
    if (typeof message.origin !== 'string') return;
    // Messages of instances that predate event ids carry none: each is then its own event.
    const id = typeof message.id === 'string' ? message.id : randomUUID();
    receivers.get(topic)?.({ id, origin: message.origin, topic, payload: message.payload });
  });

  return {
    async send(event) {
      const { id, origin, payload } = event;
      await publisher.publish(`${channelPrefix}${event.topic}`, JSON.stringify({ id, origin, payload }));
    },
    async listen(topic, receive) {
      receivers.set(topic, receive);
      await subscriber.subscribe(`${channelPrefix}${topic}`);
    },
    async close() {
      receivers.clear();
    },
  };
}
