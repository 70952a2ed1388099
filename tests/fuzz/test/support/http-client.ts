import http, { type IncomingHttpHeaders } from "node:http";
import type { RequestCase } from "./request-case.js";

/** What came back: a status, headers and (up to 64 kB of) body, or why nothing came. */
export interface Outcome {
  status?: number;
  headers: IncomingHttpHeaders;
  body: string;
  error?: string;
}

const MAX_KEPT_BODY = 64 * 1024;
const TIMEOUT_MS = 30_000;

/** A keep-alive HTTP client that sends a case byte for byte, to the ingest or the query API. */
export class HttpClient {
  private readonly agent: http.Agent;

  constructor(
    private readonly bases: Record<RequestCase["target"], URL>,
    readonly concurrency = 24,
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  }

  send(c: RequestCase): Promise<Outcome> {
    const base = this.bases[c.target];
    const headers: Record<string, string> = { ...c.headers };
    if (c.body && !c.chunked) headers["content-length"] = String(c.body.length);
    return new Promise((resolve) => {
      let settled = false;
      const done = (o: Outcome) => {
        if (!settled) resolve(o);
        settled = true;
      };
      const req = http.request({ host: base.hostname, port: base.port, method: c.method, path: c.path, headers, agent: this.agent }, (res) => {
        const parts: Buffer[] = [];
        let kept = 0;
        res.on("data", (d: Buffer) => {
          if (kept < MAX_KEPT_BODY) parts.push(d);
          kept += d.length;
        });
        res.on("end", () => done({ status: res.statusCode, headers: res.headers, body: Buffer.concat(parts).toString("utf8") }));
        // The server may close after answering early (a body over a limit): the answer still counts.
        res.on("error", () => done({ status: res.statusCode, headers: res.headers, body: Buffer.concat(parts).toString("utf8") }));
        res.on("aborted", () => done({ status: res.statusCode, headers: res.headers, body: Buffer.concat(parts).toString("utf8") }));
      });
      req.setTimeout(TIMEOUT_MS, () => req.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
      req.on("error", (error) => {
        // A kept-alive socket the server closed (idle timeout) just as we reused it: the server never saw
        // the request, so sending it again is what Node's documentation advises, not a retry of ours.
        if (req.reusedSocket && (error as NodeJS.ErrnoException).code === "ECONNRESET" && !settled) {
          settled = true;
          resolve(this.send(c));
          return;
        }
        done({ headers: {}, body: "", error: `${(error as NodeJS.ErrnoException).code ?? ""} ${error.message}`.trim() });
      });
      if (c.body) req.end(c.body);
      else req.end();
    });
  }

  /** Sends every case, `concurrency` at a time; outcomes in the cases' order. */
  sendAll(cases: readonly RequestCase[]): Promise<Outcome[]> {
    return this.sendEach(cases.length, (i) => cases[i]!);
  }

  /**
   * Sends `count` cases, `concurrency` at a time, asking for each only when a lane is free: a case
   * generated then is generated while the other lanes' requests are being answered.
   */
  async sendEach(count: number, caseAt: (i: number) => RequestCase): Promise<Outcome[]> {
    const outcomes: Outcome[] = new Array(count);
    let next = 0;
    const lane = async () => {
      while (next < count) {
        const i = next++;
        outcomes[i] = await this.send(caseAt(i));
      }
    };
    await Promise.all(Array.from({ length: this.concurrency }, lane));
    return outcomes;
  }

  close(): void {
    this.agent.destroy();
  }
}
