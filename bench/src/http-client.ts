import { Agent, request } from "node:http";

export interface HttpAnswer {
  status: number;
  body: string;
  /** From sending the request to the end of the answer. */
  ms: number;
}

/**
 * One HTTP request over a keep-alive agent. node:http rather than fetch: fetch costs several times
 * more CPU per request, and the client shares this machine's two cores with what it measures.
 */
export function httpRequest(agent: Agent, url: string, init: { method?: string; body?: string; contentType?: string } = {}): Promise<HttpAnswer> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = {};
    if (init.body !== undefined) {
      headers["content-type"] = init.contentType ?? "application/json";
      headers["content-length"] = Buffer.byteLength(init.body);
    }
    const req = request(url, { agent, method: init.method ?? "GET", headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), ms: performance.now() - started }));
      res.on("error", reject);
    });
    req.setTimeout(30_000, () => req.destroy(new Error(`timeout: ${url}`)));
    req.on("error", reject);
    req.end(init.body);
  });
}

export function keepAliveAgent(maxSockets = 64): Agent {
  return new Agent({ keepAlive: true, maxSockets });
}
