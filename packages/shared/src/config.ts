import { z } from "zod";

const port = z.coerce.number().int().min(1).max(65_535);
const positiveInt = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const postgresUrl = z.url({ protocol: /^postgres(ql)?$/, error: "must be a postgres:// URL" });
/** Comma-separated bearer keys; none configured means the API is open. */
const apiKeys = z
  .string()
  .transform((text) => text.split(",").map((key) => key.trim()).filter((key) => key !== ""))
  .pipe(z.array(z.string().min(16, "each key must be at least 16 characters")))
  .default([]);
const redisUrl = z.url({ protocol: /^rediss?$/, error: "must be a redis:// or rediss:// URL" });

/** Every environment variable Tally reads, with its default. One schema for all processes. */
export const configSchema = z
  .object({
    DATABASE_URL: postgresUrl.default("postgres://postgres@127.0.0.1:5432/tally"),
    QUERY_DATABASE_URL: postgresUrl.optional(),
    REDIS_URL: redisUrl.default("redis://127.0.0.1:6379"),
    /** "true": REDIS_URL is one node of a Redis Cluster; QUEUE_PREFIX must then hold a hash tag. */
    REDIS_CLUSTER: z.enum(["true", "false"]).default("false").transform((v) => v === "true"),
    QUEUE_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_{}.-]{1,64}$/, "letters, digits, _ . - { } only, at most 64")
      .default("tally"),
    INGEST_PORT: port.default(3000),
    QUERY_PORT: port.default(3001),
    /** The worker's own HTTP port, for /metrics, /healthz and /readyz only; 0 picks a free one (several workers on one host). */
    WORKER_PORT: z.coerce.number().int().min(0).max(65_535).default(3002),
    DEDUP_WINDOW_MS: positiveInt.default(600_000),
    /** How long an Idempotency-Key and the answer it got are kept: a retry within it gets that answer again. */
    IDEMPOTENCY_TTL_MS: positiveInt.default(24 * 3_600_000),
    MAX_FLOWS_PER_REQUEST: positiveInt.default(10_000),
    /** Products: the largest body (413 above it; it streams, so memory does not grow with it). */
    MAX_PRODUCTS_BODY_BYTES: positiveInt.default(8 * 1024 ** 3),
    /**
     * The largest product (413 above it). One product is parsed at once, holding the event loop: 1 MiB
     * of the slowest shape (an array of numbers) parses in tens of milliseconds here, 16 MiB in seconds.
     */
    MAX_PRODUCT_BYTES: positiveInt.default(1024 ** 2),
    /**
     * Products: what makes a body a duplicate within DEDUP_WINDOW_MS. "bytes": the same bytes; "json": the
     * same documents in RFC 8785 canonical form, whatever their key order, spacing or escapes (it costs a
     * second pass over every product).
     */
    PRODUCTS_DEDUP: z.enum(["bytes", "json"]).default("bytes"),
    /**
     * Products: a body whose Content-Length is at most this many bytes takes the fast path (read into
     * memory, carried in its job through Redis) instead of streaming through Postgres staging; 0 turns
     * the fast path off. A body without a Content-Length (chunked) always streams.
     */
    PRODUCTS_FAST_PATH_BYTES: z.coerce.number().int().min(0).max(16 * 1024 ** 2).default(256 * 1024),
    /** JSON request bodies over this many bytes get 413 (products stream and have their own limit). */
    MAX_BODY_BYTES: positiveInt.default(5 * 1024 * 1024),
    /** Messages or counters in one request (413 above it); flows have MAX_FLOWS_PER_REQUEST. */
    MAX_ITEMS_PER_REQUEST: positiveInt.default(10_000),
    /**
     * One message, counter or flow in its JSON form (413 above it). It bounds what one parse blocks
     * the event loop for: a body is parsed a slice of items at a time, and one item is never cut.
     */
    MAX_ITEM_BYTES: positiveInt.default(64 * 1024),
    /**
     * Every request body must arrive at this rate at least, averaged over each BODY_RATE_WINDOW_MS of
     * waiting for the client (408 below it): a client sending a byte now and then cannot hold a
     * connection, or a products upload's database connection, for long.
     */
    MIN_BODY_BYTES_PER_SECOND: positiveInt.default(16 * 1024),
    BODY_RATE_WINDOW_MS: positiveInt.min(100).default(10_000),
    /** Products uploads an ingest process stages at once, each on a database connection of its own; more get 429. */
    MAX_CONCURRENT_UPLOADS: positiveInt.max(100).default(8),
    /**
     * The query API's limit on one SQL statement: Postgres cancels a statement running longer, and the
     * request gets 503. It bounds what one costly request (every customer for a year by hour) holds: a
     * pool connection and a Postgres core.
     */
    QUERY_STATEMENT_TIMEOUT_MS: positiveInt.max(3_600_000).default(5_000),
    /** How long a process may take to stop on SIGTERM (finishing what is in flight) before it exits anyway, with 1. */
    SHUTDOWN_TIMEOUT_MS: positiveInt.default(25_000),
    /**
     * Ingest sheds load (429 with Retry-After) while a queue has more jobs than this waiting: a burst
     * is absorbed, a flood does not fill Redis's memory. A job holds up to 1000 events.
     */
    MAX_QUEUE_BACKLOG: positiveInt.default(50_000),
    /** Jobs a worker holds at once per queue; they are folded together into one transaction. */
    WORKER_CONCURRENCY: positiveInt.max(1000).default(64),
    /**
     * How long a worker's hold on a job lasts without renewal: a killed worker's jobs are taken up by
     * another after about twice this. Must stay well above the time one batch takes.
     */
    WORKER_LOCK_MS: positiveInt.min(1000).default(30_000),
    /** How long the worker waits for more jobs before folding what it has. */
    BATCH_LINGER_MS: z.coerce.number().int().min(0).max(1000).default(20),
    /** Days a message uuid is remembered: a uuid repeated within this many days counts once. */
    MESSAGE_LEDGER_RETENTION_DAYS: positiveInt.default(30),
    /** Counters: days a minute rollup is kept, and an hour rollup. Older rows are deleted by the worker. */
    COUNTER_MINUTE_RETENTION_DAYS: positiveInt.default(7),
    COUNTER_HOUR_RETENTION_DAYS: positiveInt.default(90),
    /** Days a folded job id is remembered; a job can only be redelivered while BullMQ still holds it (hours). */
    JOB_LEDGER_RETENTION_DAYS: positiveInt.default(7),
    /** Days an applied or failed products upload keeps its row, and so its status at GET /v1/products/uploads/:id. */
    PRODUCT_UPLOAD_RETENTION_DAYS: positiveInt.default(7),
    /** Bearer keys the ingest API and the query API accept; unset, they are open (health and metrics always are). */
    INGEST_API_KEYS: apiKeys,
    QUERY_API_KEYS: apiKeys,
    /** The worker serves a bull-board queue dashboard on this port when set (and only then). */
    ADMIN_PORT: z.coerce.number().int().min(0).max(65_535).optional(),
    /** The dashboard may retry, promote and clean jobs only when this is "true"; otherwise it only shows. */
    ADMIN_ALLOW_ACTIONS: z.enum(["true", "false"]).default("false").transform((v) => v === "true"),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  })
  // A Lua script (every BullMQ command) may touch only keys of one slot: in a cluster a queue's keys
  // must share one, which a hash tag in the prefix ensures.
  .refine((c) => !c.REDIS_CLUSTER || /\{[^{}]+\}/.test(c.QUEUE_PREFIX), {
    path: ["QUEUE_PREFIX"],
    message: "must contain a hash tag such as {tally} when REDIS_CLUSTER is true",
  })
  .transform((c) => ({ ...c, QUERY_DATABASE_URL: c.QUERY_DATABASE_URL ?? c.DATABASE_URL }));

export type Config = Readonly<z.output<typeof configSchema>>;

/** Thrown by `loadConfig`; its message names every bad variable. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Parses the environment once; empty strings count as unset so `FOO=` falls back to the default. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const result = configSchema.safeParse(present);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const name = issue.path.join(".");
      const value = env[name];
      const shown = value === undefined || SECRET.test(name) ? "" : ` (got ${JSON.stringify(redactUrl(value))})`;
      return `  ${name}: ${issue.message}${shown}`;
    });
    throw new ConfigError(`invalid configuration:\n${lines.join("\n")}`);
  }
  return Object.freeze(result.data);
}

/**
 * Every variable's default, for programs that talk to Tally without sharing its environment (the
 * loader's batch limits): the server's own configuration may differ, and its 413 then says so.
 */
export const CONFIG_DEFAULTS: Config = loadConfig({});

/** `loadConfig`, or a message on stderr and exit code 1: what a process's main() wants. */
export function loadConfigOrExit(env: Record<string, string | undefined>): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`tally: ${error.message}\n`);
    process.exit(1);
  }
}

/** Variables whose values are secrets through and through: never shown, even when invalid. */
const SECRET = /KEY|SECRET|TOKEN|PASSWORD/;

/**
 * Hides the password of a URL so configuration errors and logs never show it, including in a URL that
 * does not parse (a port out of range, say): whatever lies between `//user:` and the last `@` goes.
 */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password) url.password = "***";
    return url.toString();
  } catch {
    return value.replace(/^([^:/]*:\/\/[^:@/]*:).*@/, "$1***@");
  }
}
