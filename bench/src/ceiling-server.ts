import { createHash } from "node:crypto";
import { createServer } from "node:http";
import express from "express";
import { Redis } from "ioredis";

/**
 * The ceilings single-message ingest is measured against (run as its own process: CEILING, PORT).
 * Both read the JSON body and answer 202 with Tally's body, and do nothing else: no validation, no
 * queue, no log line, no metrics.
 *   - `express`: an express 5 route behind `express.json()`, the framework Tally's ingest is built on,
 *     so the gap to it is what Tally adds on top of its framework;
 *   - `node`: a bare `node:http` server, the machine's ceiling with this load generator; the generator
 *     is not the bottleneck of any phase that stays below it.
 *   - `seed`: what the seed's products service does (FastAPI + Redis there), on express 5 here: hash
 *     the body with SHA-256, one Redis check-and-set (`SET NX PX`, REDIS_URL, keys under PREFIX), 200
 *     or 403. No validation, no storage: the reference small products uploads are measured against.
 */
const ceiling = process.env.CEILING;
const port = Number(process.env.PORT);
const ACCEPTED = JSON.stringify({ accepted: 1 });

if (ceiling === "express") {
  const app = express();
  app.use(express.json({ limit: "1mb" }));
  app.get("/healthz", (_req, res) => void res.json({ status: "ok" }));
  app.post("/v1/messages", (_req, res) => void res.status(202).json({ accepted: 1 }));
  app.listen(port, "127.0.0.1");
} else if (ceiling === "node") {
  createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      if (req.method === "POST") JSON.parse(Buffer.concat(chunks).toString("utf8"));
      res.writeHead(req.method === "POST" ? 202 : 200, { "content-type": "application/json; charset=utf-8" });
      res.end(req.method === "POST" ? ACCEPTED : '{"status":"ok"}');
    });
  }).listen(port, "127.0.0.1");
} else if (ceiling === "seed") {
  const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
  const app = express();
  app.use(express.raw({ type: () => true, limit: "1mb" }));
  app.get("/healthz", (_req, res) => void res.json({ status: "ok" }));
  app.post("/v1/products", async (req, res) => {
    const digest = createHash("sha256").update(req.body as Buffer).digest("hex");
    const fresh = await redis.set(`${process.env.PREFIX}:seed:${digest}`, "1", "PX", 600_000, "NX");
    res.status(fresh === "OK" ? 200 : 403).json(fresh === "OK" ? { status: "ok" } : { error: "duplicate" });
  });
  app.listen(port, "127.0.0.1");
} else {
  throw new Error(`CEILING must be express, node or seed, not ${String(ceiling)}`);
}
