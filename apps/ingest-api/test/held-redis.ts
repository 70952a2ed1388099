import net from "node:net";

/**
 * A TCP proxy in front of Redis that can hold what clients send, the way a paused Redis (CLIENT PAUSE)
 * holds commands for everyone: the connection stays up, commands are carried out late, in order, and
 * their answers arrive late. Unlike pausing the test Redis itself, it holds only the connections made
 * through it, so test files sharing that Redis are not held with them.
 */
export async function startHeldRedis(redisUrl: string) {
  const target = new URL(redisUrl);
  let holdFrom: string | undefined;
  let holding = false;
  const held: { upstream: net.Socket; chunks: Buffer[] }[] = [];
  const sockets = new Set<net.Socket>();

  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 6379), target.hostname);
    const queue = { upstream, chunks: [] as Buffer[] };
    held.push(queue);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("error", () => s.destroy());
      s.on("close", () => (client.destroy(), upstream.destroy()));
    }
    upstream.pipe(client);
    client.on("data", (chunk: Buffer) => {
      if (!holding && holdFrom !== undefined && chunk.includes(holdFrom)) holding = true;
      if (holding) queue.chunks.push(chunk);
      else upstream.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;

  return {
    url: `redis://127.0.0.1:${port}`,
    /** Holds everything sent from the first write that contains `text` on (an add carrying a body, say). */
    holdFrom(text: string) {
      holdFrom = text;
    },
    /** Whether something has been held since `holdFrom`. */
    holding: () => holding,
    /** Sends on what was held, in order, and holds nothing more. */
    resume() {
      holding = false;
      holdFrom = undefined;
      for (const queue of held) queue.upstream.write(Buffer.concat(queue.chunks.splice(0)));
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
