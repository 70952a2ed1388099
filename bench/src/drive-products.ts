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

/** A product's number as it appears in its id and name: ten digits. */
const digits = (i: number) => String(i).padStart(10, "0");

export async function driveProducts({ url, bytes }: ProductsInput): Promise<ProductsResult> {
  const nonce = randomBytes(4).toString("hex");
  const pad = "x".repeat(860);
  const product = (n: string) => `{"id":"${nonce}-${n}","name":"Product ${n}","price":"19.99","currency":"EUR","stock":42,"tags":["bench","generated"],"description":"${pad}"}`;
  const size = Buffer.byteLength(product(digits(0)));
  // "[" + n products + (n − 1) commas + "]"
  const products = Math.max(1, Math.floor((bytes - 1) / (size + 1)));
  const length = 2 + products * size + (products - 1);
  // The generator shares the CPU with what it measures: a write is a copy of one template of
  // PRODUCTS_PER_WRITE products with each product's number written in place, not strings built anew.
  const template = Buffer.from(`,${Array.from({ length: PRODUCTS_PER_WRITE }, () => product(digits(0))).join(",")}`);
  const numberAt = [...template.toString("latin1").matchAll(new RegExp(digits(0), "g"))].map((m) => m.index);
  if (numberAt.length !== 2 * PRODUCTS_PER_WRITE) throw new Error("the products template does not hold two numbers per product");
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
    const count = Math.min(products, i + PRODUCTS_PER_WRITE) - i;
    const chunk = Buffer.from(template.subarray(0, count * (size + 1)));
    for (let k = 0; k < 2 * count; k++) chunk.write(digits(i + (k >> 1)), numberAt[k]!, "latin1");
    if (!req.write(i === 0 ? chunk.subarray(1) : chunk)) await once(req, "drain");
  }
  req.end("]");
  const { status, answer } = await answered;
  return { status, answer, bytes: length, products, seconds: (performance.now() - started) / 1000 };
}

