import net from 'node:net';

/**
 * A TCP proxy in front of the real Redis that a test can slow down or take away, to show what the
 * rate limiter does when Redis is slow or gone. Bytes pass through unchanged (real RESP), in order.
 */
export interface RedisProxy {
  /** redis://127.0.0.1:<port> of the proxy. */
  url: string;
  /** Delay added to every chunk sent to Redis from now on. */
  setDelay(ms: number): void;
  /** Chunks sent by clients towards Redis (to see whether a client tried Redis at all). */
  readonly chunksToRedis: number;
  /** Drops every connection and refuses new ones, as a stopped Redis would. */
  takeDown(): Promise<void>;
  /** Accepts connections again on the same port. */
  bringUp(): Promise<void>;
  close(): Promise<void>;
}

export async function startRedisProxy(redisUrl: string): Promise<RedisProxy> {
  const target = new URL(redisUrl);
  const sockets = new Set<net.Socket>();
  let delayMs = 0;
  let chunksToRedis = 0;

  function pipe(from: net.Socket, to: net.Socket, towardsRedis: boolean): void {
    let queue = Promise.resolve();
    from.on('data', (chunk) => {
      if (towardsRedis) chunksToRedis += 1;
      const deliverAt = Date.now() + delayMs;
      queue = queue
        .then(() => new Promise((resolve) => setTimeout(resolve, Math.max(0, deliverAt - Date.now()))))
        .then(() => {
          if (!to.destroyed) to.write(chunk);
        });
    });
  }

  const server = net.createServer((client) => {
    const redis = net.connect(Number(target.port || 6379), target.hostname);
    for (const socket of [client, redis]) {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        redis.destroy();
      });
    }
    pipe(client, redis, true);
    pipe(redis, client, false);
  });

  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  const takeDown = async () => {
    if (!server.listening) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await closed;
  };

  await listen(0);
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `redis://127.0.0.1:${port}`,
    setDelay: (ms) => {
      delayMs = ms;
    },
    get chunksToRedis() {
      return chunksToRedis;
    },
    takeDown,
    bringUp: () => listen(port),
    close: takeDown,
  };
}
