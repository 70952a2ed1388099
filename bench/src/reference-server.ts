import { counterSchema, flowSchema, messageSchema, toCounterEvent } from "@tally/shared/schemas";
import express, { type NextFunction, type Request, type Response } from "express";
import pg from "pg";
import { z } from "zod";
import { QUARTER_HOUR_MS } from "@tally/shared/time";

/**
 * The reference Tally is compared with: what a take-home would build. The same routes and the same
 * zod schemas, but no queue: each request is one transaction that writes every event straight into
 * the same tables (for a message, its ledger row and then its rollup upsert), and 202 is said after
 * COMMIT. Run as its own process: DATABASE_URL, PORT.
 *
 * One courtesy a hurried take-home might skip: each request's rows are written in key order, so
 * concurrent requests lock rollup rows in one order and do not deadlock (which would only add
 * 500s to the comparison, not speed).
 */
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 16, options: "-c TimeZone=UTC" });
const app = express();
app.use(express.json({ limit: "5mb", type: ["application/json", "application/x-www-form-urlencoded"] }));
app.use(express.text({ limit: "5mb", type: "application/x-ndjson" }));

/** The posted items: one object, an array, or NDJSON lines. */
function items(req: Request): unknown[] {
  if (typeof req.body === "string") return req.body.split("\n").filter((line) => line.trim() !== "").map((line) => JSON.parse(line) as unknown);
  return Array.isArray(req.body) ? (req.body as unknown[]) : [req.body];
}

function validate<T>(schema: z.ZodType<T>, req: Request, res: Response): T[] | undefined {
  const parsed = z.array(schema).safeParse(items(req));
  if (parsed.success) return parsed.data;
  res.status(422).type("application/problem+json").json({ title: "Unprocessable Content", status: 422, errors: parsed.error.issues });
  return undefined;
}

/** Runs `write` in one transaction on one pooled connection. */
async function inTransaction(write: (client: pg.PoolClient) => Promise<void>): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await write(client);
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

app.post("/v1/messages", async (req, res) => {
  const messages = validate(messageSchema, req, res);
  if (!messages) return;
  const quarter = new Date(Math.floor(Date.now() / QUARTER_HOUR_MS) * QUARTER_HOUR_MS);
  messages.sort((a, b) => a.customerId - b.customerId || byKey(a.type, b.type));
  await inTransaction(async (client) => {
    for (const m of messages) {
      const fresh = await client.query("INSERT INTO message_ledger (uuid) VALUES ($1) ON CONFLICT DO NOTHING", [m.uuid.toLowerCase()]);
      if (fresh.rowCount !== 1) continue;
      await client.query(
        `INSERT INTO message_rollup AS r (quarter, customer_id, type, count, total) VALUES ($1, $2, $3, 1, $4)
         ON CONFLICT (quarter, customer_id, type) DO UPDATE SET count = r.count + 1, total = r.total + excluded.total`,
        [quarter, m.customerId, m.type, m.amount],
      );
    }
  });
  res.status(202).json({ accepted: messages.length });
});

app.post("/v1/counters", async (req, res) => {
  const counters = validate(counterSchema, req, res);
  if (!counters) return;
  const counts = counters
    .map((counter) => toCounterEvent(counter))
    .flatMap(({ timestamp, counts }) => counts.map(([domain, requests]) => ({ second: timestamp, domain, requests })));
  // Each table's rows in its own key order (minutes, then hours): interleaved, the hour rows would
  // be locked out of order and concurrent requests would deadlock.
  const bucketed = (size: number) => counts.map((c) => ({ ...c, bucket: c.second - (c.second % size) })).sort((a, b) => a.bucket - b.bucket || byKey(a.domain, b.domain));
  await inTransaction(async (client) => {
    for (const c of bucketed(60)) {
      await client.query(
        `INSERT INTO domain_minute AS t (minute, domain, requests) VALUES (to_timestamp($1), $2, $3)
         ON CONFLICT (minute, domain) DO UPDATE SET requests = t.requests + excluded.requests`,
        [c.bucket, c.domain, c.requests],
      );
    }
    for (const c of bucketed(3600)) {
      await client.query(
        `INSERT INTO domain_hour AS t (hour, domain, requests) VALUES (to_timestamp($1), $2, $3)
         ON CONFLICT (hour, domain) DO UPDATE SET requests = t.requests + excluded.requests`,
        [c.bucket, c.domain, c.requests],
      );
    }
  });
  res.status(202).json({ accepted: counters.length });
});

app.post("/v1/flows", async (req, res) => {
  const flows = validate(flowSchema, req, res);
  if (!flows) return;
  flows.sort((a, b) => a.hour - b.hour || byKey(a.src_app, b.src_app) || byKey(a.dest_app, b.dest_app) || byKey(a.vpc_id, b.vpc_id));
  await inTransaction(async (client) => {
    for (const f of flows) {
      const { rows } = await client.query<{ inserted: boolean }>(
        `INSERT INTO flow_rollup AS t (hour, src_app, dest_app, vpc_id, bytes_tx, bytes_rx) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (hour, src_app, dest_app, vpc_id) DO UPDATE
           SET bytes_tx = t.bytes_tx + excluded.bytes_tx, bytes_rx = t.bytes_rx + excluded.bytes_rx
         RETURNING (xmax = 0) AS inserted`,
        [f.hour, f.src_app, f.dest_app, f.vpc_id, f.bytes_tx, f.bytes_rx],
      );
      if (rows[0]?.inserted) {
        await client.query(
          `INSERT INTO flow_hour_keys AS k (hour, keys) VALUES ($1, 1) ON CONFLICT (hour) DO UPDATE SET keys = k.keys + 1`,
          [f.hour],
        );
      }
    }
  });
  res.status(202).json({ accepted: flows.length });
});

app.get("/healthz", (_req, res) => {
  res.json({ status: "ok" });
});

app.use((error: Error & { status?: number }, _req: Request, res: Response, _next: NextFunction) => {
  const status = error.status ?? 500;
  res.status(status).type("application/problem+json").json({ title: error.message, status });
});

app.listen(Number(process.env.PORT), "127.0.0.1");
// Started by the bench with an IPC channel: when the bench goes away, so does the reference.
process.on("disconnect", () => process.exit(0));
