import { extname } from "node:path";
import { parseArgs as parseNodeArgs } from "node:util";
import { CONFIG_DEFAULTS } from "@tally/shared/config";

const KINDS = ["messages", "counters", "flows", "products"] as const;
export type Kind = (typeof KINDS)[number];
export type FileFormat = "ndjson" | "json";

/** The ingest API refuses more flows than this in one request (its MAX_FLOWS_PER_REQUEST default). */
const MAX_FLOWS_PER_REQUEST = CONFIG_DEFAULTS.MAX_FLOWS_PER_REQUEST;

export interface LoadOptions {
  kind: Kind;
  file: string;
  format: FileFormat;
  /** The ingest API's base URL, without a trailing slash. */
  url: string;
  /** Events per POST (messages, counters, flows). */
  batch: number;
  /** A batch is also cut before its body would pass this many bytes, to stay under the API's MAX_BODY_BYTES. */
  batchBytes: number;
  /** Requests in flight at once. */
  concurrency: number;
  apiKey: string | undefined;
  /** How long the loader keeps retrying while the API makes no progress at all, before it gives up. */
  maxWaitMs: number;
  json: boolean;
  quiet: boolean;
  /** Adjustments worth telling the user about (a clamped --batch, an option that does not apply). */
  notes: string[];
}

export type Command = { command: "help" } | { command: "load"; options: LoadOptions };

/** A mistake on the command line: exit code 2, with the message and the usage. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

export const USAGE = `Usage: tally load <kind> <file> [options]

Streams an NDJSON (.ndjson, .jsonl) or JSON array (.json) file into Tally's ingest API.
  kind                 messages | counters | flows | products

Options:
  --url <url>          ingest API (default http://127.0.0.1:3000)
  --batch <n>          events per request (default 1000; flows at most ${MAX_FLOWS_PER_REQUEST})
  --batch-bytes <n>    cut a batch before its body passes n bytes (default 4194304)
  --concurrency <n>    requests in flight (default 4)
  --api-key <key>      sent as "Authorization: Bearer <key>" (default $TALLY_API_KEY)
  --max-wait <time>    give up after this long without progress: 90, 90s, 10m, 1h (default 10m)
  --format <f>         ndjson | json, when the file's extension does not say
  --json               print the summary as JSON
  --quiet              no progress on stderr
  -h, --help           this text

products: the whole file is one catalogue update, sent as one request body.
Exit codes: 0 everything accepted, 1 something rejected, ambiguous or not sent, 2 usage error or nothing
listening at --url.`;

const DEFAULTS = { url: "http://127.0.0.1:3000", batch: 1000, batchBytes: 4 * 1024 * 1024, concurrency: 4, maxWait: "10m" };

/** Reads the command line (without node and the script). `env` supplies TALLY_API_KEY. Throws UsageError. */
export function parseArgs(argv: readonly string[], env: { TALLY_API_KEY?: string | undefined } = {}): Command {
  let parsed;
  try {
    parsed = parseNodeArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        url: { type: "string" },
        batch: { type: "string" },
        "batch-bytes": { type: "string" },
        concurrency: { type: "string" },
        "api-key": { type: "string" },
        "max-wait": { type: "string" },
        format: { type: "string" },
        json: { type: "boolean" },
        quiet: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    // node:util's messages are clear ("Unknown option '--bach'"); drop its advice about "--" positionals.
    throw new UsageError((error as Error).message.split(". To specify a positional")[0] ?? "bad arguments");
  }
  const { values, positionals } = parsed;
  if (values.help) return { command: "help" };

  const [command, kind, file, ...extra] = positionals;
  if (command === undefined) throw new UsageError("missing command: tally load <kind> <file>");
  if (command !== "load") throw new UsageError(`unknown command "${command}": the only command is "load"`);
  if (kind === undefined) throw new UsageError(`missing kind: one of ${KINDS.join(", ")}`);
  if (!isKind(kind)) throw new UsageError(`unknown kind "${kind}": expected one of ${KINDS.join(", ")}`);
  if (file === undefined || file === "") throw new UsageError("missing file: tally load <kind> <file>");
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);

  const notes: string[] = [];
  let batch = positiveInteger("--batch", values.batch ?? String(DEFAULTS.batch));
  if (kind === "flows" && batch > MAX_FLOWS_PER_REQUEST) {
    notes.push(`--batch ${batch} is over the ${MAX_FLOWS_PER_REQUEST} flows the API takes per request; using ${MAX_FLOWS_PER_REQUEST}`);
    batch = MAX_FLOWS_PER_REQUEST;
  }
  if (kind === "products" && (values.batch !== undefined || values.concurrency !== undefined)) {
    notes.push("products are sent as one request body: --batch and --concurrency do not apply");
  }

  return {
    command: "load",
    options: {
      kind,
      file,
      format: fileFormat(kind, file, values.format),
      url: baseUrl(values.url ?? DEFAULTS.url),
      batch,
      batchBytes: positiveInteger("--batch-bytes", values["batch-bytes"] ?? String(DEFAULTS.batchBytes)),
      concurrency: positiveInteger("--concurrency", values.concurrency ?? String(DEFAULTS.concurrency), 256),
      apiKey: values["api-key"] ?? (env.TALLY_API_KEY || undefined),
      maxWaitMs: duration("--max-wait", values["max-wait"] ?? DEFAULTS.maxWait),
      json: values.json ?? false,
      quiet: values.quiet ?? false,
      notes,
    },
  };
}

function isKind(value: string): value is Kind {
  return (KINDS as readonly string[]).includes(value);
}

function fileFormat(kind: Kind, file: string, explicit: string | undefined): FileFormat {
  let format: FileFormat;
  if (explicit !== undefined) {
    if (explicit !== "ndjson" && explicit !== "json") throw new UsageError(`--format must be ndjson or json, got "${explicit}"`);
    format = explicit;
  } else {
    const extension = extname(file).toLowerCase();
    if (extension === ".ndjson" || extension === ".jsonl") format = "ndjson";
    else if (extension === ".json") format = "json";
    else throw new UsageError(`cannot tell the format of "${file}" from its extension: name it .ndjson or .json, or pass --format`);
  }
  // The products route takes exactly one JSON array, and the file is sent as it is.
  if (kind === "products" && format !== "json") throw new UsageError("products are sent as the file's bytes, which must be one JSON array (.json)");
  return format;
}

function baseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--url must be a URL such as http://127.0.0.1:3000, got "${value}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new UsageError(`--url must be http or https, got "${value}"`);
  return url.toString().replace(/\/+$/, "");
}

function positiveInteger(name: string, value: string, max = Number.MAX_SAFE_INTEGER): number {
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > max) throw new UsageError(`${name} must be an integer from 1 to ${max}, got "${value}"`);
  return n;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `90` (seconds), `90s`, `10m`, `1.5h`, `500ms` → milliseconds. */
export function duration(name: string, value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  if (!match) throw new UsageError(`${name} must be a duration such as 90, 90s, 10m or 1h, got "${value}"`);
  return Math.round(Number(match[1]) * UNIT_MS[match[2] ?? "s"]!);
}
