import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { request } from "node:http";

/**
 * Streams one products body of `bytes` to ingest, generated as it is sent (never held whole in
 * memory): a JSON array of ~1 KiB products, all of one length so Content-Length is known up front.
 * A random nonce in every id makes each run's body new (a repeated body would be refused).
 */
export interface ProductsInput {
  url: string;
  bytes: number;
}

export interface ProductsResult {
  status: number;
  answer: string;
  bytes: number;
  products: number;
  seconds: number;
}

const PRODUCTS_PER_WRITE = 1_000;

export async function driveProducts({ url, bytes }: ProductsInput): Promise<ProductsResult> {
  const nonce = randomBytes(4).toString("hex");
  const pad = "x".repeat(860);
  const product = (i: number) => {
    const n = String(i).padStart(10, "0");
    return `{"id":"${nonce}-${n}","name":"Product ${n}","price":"19.99","currency":"EUR","stock":42,"tags":["bench","generated"],"description":"${pad}"}`;
  };
  const size = Buffer.byteLength(product(0));
  // "[" + n products + (n − 1) commas + "]"
  const products = Math.max(1, Math.floor((bytes - 1) / (size + 1)));
  const length = 2 + products * size + (products - 1);

  const started = performance.now();
  const req = request(url, { method: "POST", headers: { "content-type": "application/json", "content-length": length } });
  const answered = new Promise<{ status: number; answer: string }>((resolve, reject) => {
    req.once("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, answer: Buffer.concat(chunks).toString().slice(0, 500) }));
    });
    req.once("error", reject);
  });
  // An early answer (413, 415…) ends the upload: stop writing then.
  let done = false;
  void answered.finally(() => (done = true)).catch(() => undefined);
  req.write("[");
  for (let i = 0; i < products && !done; i += PRODUCTS_PER_WRITE) {
    const parts: string[] = [];
    for (let j = i; j < Math.min(products, i + PRODUCTS_PER_WRITE); j++) parts.push(product(j));
    const chunk = (i === 0 ? "" : ",") + parts.join(",");
    if (!req.write(chunk)) await once(req, "drain");
  }
  req.end("]");
  const { status, answer } = await answered;
  return { status, answer, bytes: length, products, seconds: (performance.now() - started) / 1000 };
}

