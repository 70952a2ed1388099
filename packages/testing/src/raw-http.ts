import { connect, type Socket } from "node:net";

/** An HTTP/1.1 answer as read off the wire: every response on the connection, in order (a 100 first, say). */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface RawHttpOptions {
  /** Half-closes the connection after writing, as a client that stops sending does. */
  end?: boolean;
  /** Written once the first response (a `100 Continue`, say) has arrived. */
  afterFirstResponse?: string | Buffer;
  /** Stop once this many whole responses have arrived, rather than when the server closes. */
  responses?: number;
  timeoutMs?: number;
}

/**
 * Sends bytes exactly as given (fetch cannot send malformed framing, a lying Content-Length or an
 * `Expect` header) and reads what comes back until the server closes the connection, `responses`
 * whole answers have arrived, or `timeoutMs` passes. Resolves with every response parsed, and the raw text.
 */
export async function rawHttp(url: string, request: string | Buffer, { end = false, afterFirstResponse, responses: wanted, timeoutMs = 5000 }: RawHttpOptions = {}): Promise<{ responses: RawResponse[]; raw: string }> {
  const { hostname, port } = new URL(url);
  const socket: Socket = connect(Number(port), hostname);
  let raw = "";
  let sentMore = false;
  return new Promise((resolve, reject) => {
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ responses: parseResponses(raw), raw });
    };
    const timer = setTimeout(finish, timeoutMs);
    socket.on("error", (error) => (raw === "" ? reject(error) : finish()));
    socket.on("data", (data: Buffer) => {
      raw += data.toString("latin1");
      if (afterFirstResponse !== undefined && !sentMore && raw.includes("\r\n\r\n")) {
        sentMore = true;
        socket.write(afterFirstResponse);
      }
      if (wanted !== undefined && parseResponses(raw).length >= wanted) finish();
    });
    socket.on("close", finish);
    socket.write(request, () => {
      if (end) socket.end();
    });
  });
}

function parseResponses(raw: string): RawResponse[] {
  const responses: RawResponse[] = [];
  let rest = raw;
  while (rest.startsWith("HTTP/1.1 ")) {
    const headEnd = rest.indexOf("\r\n\r\n");
    if (headEnd === -1) break;
    const [statusLine = "", ...lines] = rest.slice(0, headEnd).split("\r\n");
    const headers = Object.fromEntries(
      lines.map((line) => {
        const colon = line.indexOf(":");
        return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
      }),
    );
    const status = Number(statusLine.split(" ")[1]);
    const length = status === 100 ? 0 : Number(headers["content-length"] ?? rest.length - headEnd - 4);
    const bodyStart = headEnd + 4;
    responses.push({ status, headers, body: rest.slice(bodyStart, bodyStart + length) });
    rest = rest.slice(bodyStart + length);
  }
  return responses;
}
