import type { RequestListener } from "node:http";
import type { AddressInfo } from "node:net";
import { createHttpServer } from "@tally/shared/http";
import { createLogger } from "@tally/shared/logger";

/** Serves an app on a free loopback port for one test file, on the same kind of server the apps use. */
export async function listen(app: RequestListener): Promise<{ url: string; port: number; close(): Promise<void> }> {
  const server = createHttpServer(app, createLogger("test", "silent"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
