/**
 * A TCP proxy in front of the gateway that forwards what clients send until a byte budget is spent,
 * then drops the rest: a test can stop a client in the middle of an upload at a known point, with
 * part of the file received by the gateway, without guessing at timings. (Dropping rather than
 * pausing keeps reading the client's socket, so its end is noticed and passed on to the gateway.)
 */
import net from 'node:net';

export interface PausingProxy {
  url: string;
  /** Resolves once `budget` bytes from clients have been forwarded; what follows is dropped. */
  paused: Promise<void>;
  close(): Promise<void>;
}

export async function pausingProxy(targetPort: number, budget: number): Promise<PausingProxy> {
  let forwarded = 0;
  let resolvePaused: () => void = () => {};
  const paused = new Promise<void>((resolve) => {
    resolvePaused = resolve;
  });
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => sockets.delete(socket));
    }
    upstream.pipe(client);
    client.on('data', (chunk: Buffer) => {
      const room = budget - forwarded;
      if (room <= 0) return;
      const part = chunk.subarray(0, room);
      forwarded += part.length;
      upstream.write(part);
      if (forwarded >= budget) resolvePaused();
    });
    // A client that goes away takes its upstream connection with it (the gateway sees an abort).
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    paused,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
