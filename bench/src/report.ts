import { mkdir, writeFile } from "node:fs/promises";
import type { BodyKind } from "./bodies.js";
import type { CeilingResult } from "./measure-ceilings.js";
import type { DatasetLoad } from "./load-dataset.js";
import type { Machine } from "./machine.js";
import type { FreshnessMeasure } from "./measure-freshness.js";
import type { GrainResult } from "./measure-grain.js";
import type { PhaseResult } from "./measure-ingest.js";
import type { ProductsMeasure } from "./measure-products.js";
import type { SmallProductsResult } from "./measure-small-products.js";
import type { QueryResult } from "./measure-queries.js";
import type { RawKind, RawResult } from "./measure-raw-postgres.js";
import type { Latency } from "./stats.js";

/** Everything one run measured, as saved under bench-results/. */
export interface BenchResults {
  date: string;
  mode: "full" | "quick";
  seconds: number;
  machine: Machine;
  ceilings: CeilingResult[];
  ingest: PhaseResult[];
  raw: RawResult[];
  freshness: FreshnessMeasure[];
  dataset: DatasetLoad;
  queries: QueryResult[];
  grain: GrainResult;
  products: ProductsMeasure;
  smallProducts: SmallProductsResult;
}

export interface Row {
  figure: string;
  tally: string;
  directWrite: string;
  vsDirectWrite: string;
  rawPostgres: string;
  vsRaw: string;
  target: string;
  met: string;
}

const int = (n: number) => (Number.isFinite(n) ? (Math.round(n) || 0).toLocaleString("en") : "—");
const ms = (n: number) => (Number.isFinite(n) ? (n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : Math.round(n).toLocaleString("en")) : "—");
const pair = (l: Latency) => `${ms(l.p50)} / ${ms(l.p99)}`;
const ratio = (a: number, b: number) => (Number.isFinite(a / b) && b > 0 ? `${(a / b).toFixed(2)}×` : "—");
const mark = (ok: boolean, why = "") => (ok ? "met" : `NOT met${why ? ` (${why})` : ""}`);

const LABELS: Record<BodyKind, string> = {
  message: "single message",
  "message-keyed": "single message with Idempotency-Key",
  "messages-array": "messages, JSON arrays",
  "messages-ndjson": "messages, NDJSON",
  counters: "counters, JSON arrays",
  flows: "flows, JSON arrays",
  products: "small products",
};
const RAW_OF: Partial<Record<BodyKind, RawKind>> = { "messages-array": "messages", "messages-ndjson": "messages", counters: "counters", flows: "flows" };

const blank = { directWrite: "", vsDirectWrite: "", rawPostgres: "", vsRaw: "", target: "", met: "" };

/** The one table: a row per figure, Tally against the references where there is one. */
export function tableRows(r: BenchResults): Row[] {
  const rows: Row[] = [];
  const phase = (target: PhaseResult["target"], kind: BodyKind) => r.ingest.find((p) => p.target === target && p.shape.kind === kind);
  const kinds = [...new Set(r.ingest.map((p) => p.shape.kind))];

  for (const kind of kinds) {
    const ours = phase("tally", kind);
    const ref = phase("reference", kind);
    if (!ours) continue;
    const per = ours.shape.batch === 1 ? "" : ` of ${ours.shape.batch.toLocaleString("en")}`;
    const refRps = ref?.requestsPerSecond ?? NaN;
    if (kind === "message-keyed") {
      const unkeyed = phase("tally", "message")?.requestsPerSecond ?? NaN;
      rows.push({ ...blank, figure: `ingest, ${LABELS[kind]}: requests/s (${ours.connections} conn.)`, tally: int(ours.requestsPerSecond), target: `${ratio(ours.requestsPerSecond, unkeyed)} of without a key` });
      rows.push({ ...blank, figure: `ingest, ${LABELS[kind]}: p50 / p99 ms`, tally: pair(ours.latency) });
    } else if (kind === "message") {
      const vs = ours.requestsPerSecond / refRps;
      rows.push({
        ...blank,
        figure: `ingest, ${LABELS[kind]}: requests/s (${ours.connections} conn.)`,
        tally: int(ours.requestsPerSecond),
        directWrite: int(refRps),
        vsDirectWrite: ratio(ours.requestsPerSecond, refRps),
        target: "≥ 1.5× direct-write",
        met: mark(vs >= 1.5),
      });
      rows.push({ ...blank, figure: `ingest, ${LABELS[kind]}: p50 / p99 ms`, tally: pair(ours.latency), directWrite: ref ? pair(ref.latency) : "—" });
      rows.push(...ceilingRows(r.ceilings, ours));
    } else {
      rows.push({
        ...blank,
        figure: `ingest, ${LABELS[kind]}${per}: events/s (${ours.connections} conn.)`,
        tally: int(ours.eventsPerSecond),
        directWrite: int(ref?.eventsPerSecond ?? NaN),
        vsDirectWrite: ratio(ours.eventsPerSecond, ref?.eventsPerSecond ?? NaN),
      });
    }
  }
  for (const kind of kinds) {
    const ours = phase("tally", kind);
    const ref = phase("reference", kind);
    if (!ours) continue;
    const raw = r.raw.find((x) => x.kind === RAW_OF[kind]);
    const e2e = ours.endToEnd.eventsPerSecond;
    const row: Row = {
      ...blank,
      figure: `end to end, ${LABELS[kind]}: events/s into Postgres${ours.endToEnd.complete ? "" : " (INCOMPLETE)"}`,
      tally: int(e2e),
      directWrite: int(ref?.endToEnd.eventsPerSecond ?? NaN),
      vsDirectWrite: ratio(e2e, ref?.endToEnd.eventsPerSecond ?? NaN),
      rawPostgres: raw ? int(raw.eventsPerSecond) : "",
      vsRaw: raw ? ratio(e2e, raw.eventsPerSecond) : "",
    };
    if (kind === "messages-array" && raw) {
      const vsRaw = e2e / raw.eventsPerSecond;
      row.target = "≥ 20,000/s and ≥ 0.6× raw";
      row.met = mark(e2e >= 20_000 && vsRaw >= 0.6, [e2e < 20_000 ? "< 20,000/s" : "", vsRaw < 0.6 ? "< 0.6× raw" : ""].filter(Boolean).join(", "));
    }
    rows.push(row);
  }
  for (const f of r.freshness) {
    // Round one: p99 ≤ 1 s at half the maximum rate; round two: p99 ≤ 100 ms at 90% of it.
    const limitMs = f.fraction > 0.5 ? 100 : 1_000;
    rows.push({
      ...blank,
      // The 202s' own latency says whether ingest kept up with the rate at all.
      figure: `freshness, 202 → visible in query API, at ${int(f.rate)} msg/s (${Math.round(f.fraction * 100)}% of max): p50 / p99 ms (${f.freshness.count} sampled${f.neverSeen ? `, ${f.neverSeen} never seen` : ""}; 202 itself took ${pair(f.ack)})`,
      tally: pair(f.freshness),
      target: `p99 ≤ ${int(limitMs)} ms`,
      met: mark(f.freshness.p99 <= limitMs && f.neverSeen === 0),
    });
  }
  for (const q of r.queries) {
    rows.push({
      ...blank,
      figure: `query, ${q.name}: p50 / p99 ms (${int(q.requestsPerSecond)} req/s${q.non2xx ? `, ${q.non2xx} failed` : ""})`,
      tally: pair(q.latency),
      target: "p99 ≤ 20 ms",
      met: mark(q.latency.p99 <= 20 && q.non2xx === 0),
    });
  }
  rows.push(...grainRows(r.grain));
  rows.push(...smallProductsRows(r.smallProducts));
  const p = r.products;
  const gib = p.bytes / 1024 ** 3;
  const size = gib >= 1 ? `${gib.toFixed(1)} GiB` : `${(p.bytes / 1e6).toFixed(0)} MB`;
  const probe = p.cpuProbe?.atStart ? `; a SHA-256 probe ran at ${int(p.cpuProbe.beforePhase)} MB/s just before, ${int(p.cpuProbe.atStart)} at the run's start` : "";
  const postgres = p.cpu?.processes.postgres === undefined ? "" : `, Postgres ${p.cpu.processes.postgres.toFixed(2)}`;
  const busy = p.cpu ? ` (ingest ${p.cpu.processes.ingest?.toFixed(2)} cores${postgres}, machine ${p.cpu.machine.toFixed(2)} of ${p.cpu.cores}${probe})` : "";
  rows.push({ ...blank, figure: `products, one ${size} body: MB/s to 202${busy}`, tally: p.megabytesPerSecond.toFixed(1), target: "≥ 120 MB/s", met: mark(p.megabytesPerSecond >= 120) });
  if (p.appliedSeconds !== undefined) {
    rows.push({ ...blank, figure: `products, the same body: applied by a worker (every product visible), MB/s from the first byte (${p.appliedSeconds.toFixed(1)} s)`, tally: (p.bytes / 1e6 / p.appliedSeconds).toFixed(1) });
  }
  rows.push({
    ...blank,
    figure: `products: ingest peak RSS, MiB (before: ${int(p.rssBeforeMiB)}${p.peakIsSinceStart ? "; peak since start" : ""})`,
    tally: int(p.peakRssMiB),
    target: "< 256 MiB",
    met: mark(p.peakRssMiB < 256),
  });
  return rows;
}

/** Small products uploads against the seed-like reference (hash + one Redis SET NX + 200), same run. */
function smallProductsRows({ reference, tally }: SmallProductsResult): Row[] {
  const what = `small products, ${tally.shape.batch} per body, ${tally.connections} connections`;
  const share = tally.requestsPerSecond / reference.requestsPerSecond;
  const visible = tally.endToEnd.eventsPerSecond / tally.eventsPerSecond;
  const trouble = tally.load.non2xx + tally.load.errors + tally.load.timeouts;
  return [
    {
      ...blank,
      figure: `${what}: req/s to 202, share of the seed-like reference's ${int(reference.requestsPerSecond)} req/s (p99 ${ms(reference.latency.p99)} ms${reference.trouble ? `, ${int(reference.trouble)} not 200` : ""})`,
      tally: `${int(tally.requestsPerSecond)} (${ratio(tally.requestsPerSecond, reference.requestsPerSecond)})${trouble ? `, ${int(trouble)} not 202` : ""}`,
      target: "≥ 1× reference",
      met: mark(share >= 1),
    },
    { ...blank, figure: `${what}: 202 latency p50 / p99 ms`, tally: pair(tally.latency), target: "p99 ≤ 50 ms", met: mark(tally.latency.p99 <= 50) },
    {
      ...blank,
      figure: `${what}: end to end, products/s visible in Postgres ${int(tally.endToEnd.eventsPerSecond)}${tally.endToEnd.complete ? "" : " (INCOMPLETE)"}, share of the ${int(tally.eventsPerSecond)}/s acknowledged`,
      tally: ratio(tally.endToEnd.eventsPerSecond, tally.eventsPerSecond),
      target: "≥ 0.8×",
      met: mark(visible >= 0.8 && tally.endToEnd.complete),
    },
  ];
}

/**
 * The messages rollup per hour (before migration 0011) and per quarter hour (after), on the same
 * messages: a row per figure and side, the after row carrying the target where there is one.
 */
function grainRows(g: GrainResult): Row[] {
  const rows: Row[] = [];
  const label = (side: GrainResult["sides"][number]) =>
    `${side.grain === "hour" ? "hourly rollup (before)" : "15-minute rollup (after)"}, ${int(side.rows)} rows of ${int(g.customers)} customers × 4 types × ${g.days} days`;
  for (const side of g.sides) {
    rows.push({ ...blank, figure: `messages grain, ${label(side)}: fold, events/s`, tally: int(side.fold.eventsPerSecond) });
  }
  const names = [...new Set(g.sides.flatMap((s) => s.queries.map((q) => q.name)))];
  for (const name of names) {
    for (const side of g.sides) {
      const q = side.queries.find((x) => x.name === name);
      if (!q) continue;
      const targeted = side.grain === "quarter" && name.startsWith("one customer's month by day");
      rows.push({
        ...blank,
        figure: `messages grain, ${label(side)}: query, ${name}: p50 / p99 ms (${int(q.requestsPerSecond)} req/s${q.non2xx ? `, ${q.non2xx} failed` : ""})`,
        tally: pair(q.latency),
        ...(targeted ? { target: "p99 ≤ 20 ms", met: mark(q.latency.p99 <= 20 && q.non2xx === 0) } : {}),
      });
    }
  }
  return rows;
}

/**
 * Tally's single-message rate as a share of each ceiling's, same load: express 5 with express.json()
 * (what Tally adds on top of its framework) and bare node:http (the machine and load generator).
 */
function ceilingRows(ceilings: CeilingResult[], ours: PhaseResult): Row[] {
  return ceilings.map((c) => {
    const what = c.name === "express" ? "an express 5 route with express.json() answering 202" : "bare node:http answering 202 (the generator's ceiling)";
    const share = ours.requestsPerSecond / c.requestsPerSecond;
    const trouble = c.trouble ? `, ${int(c.trouble)} not 202` : "";
    return {
      ...blank,
      figure: `ingest, single message, share of ${what}: ${int(c.requestsPerSecond)} req/s, p99 ${ms(c.latency.p99)} ms${trouble}`,
      tally: ratio(ours.requestsPerSecond, c.requestsPerSecond),
      ...(c.name === "express" ? { target: "≥ 0.9×", met: mark(share >= 0.9) } : {}),
    };
  });
}

const HEADER: Row = {
  figure: "figure",
  tally: "Tally",
  directWrite: "direct-write",
  vsDirectWrite: "× d-w",
  rawPostgres: "raw Postgres",
  vsRaw: "× raw",
  target: "target",
  met: "",
};

/** The rows as one Markdown table, columns padded so it also reads in a terminal. */
export function formatTable(rows: Row[]): string {
  const keys = Object.keys(HEADER) as (keyof Row)[];
  const all = [HEADER, ...rows];
  const width = (k: keyof Row) => Math.max(...all.map((r) => [...r[k]].length));
  const line = (r: Row) => `| ${keys.map((k) => (k === "figure" || k === "target" || k === "met" ? r[k].padEnd(width(k)) : r[k].padStart(width(k)))).join(" | ")} |`;
  const rule = `|${keys.map((k) => `${k === "figure" || k === "target" || k === "met" ? ":" : "-"}${"-".repeat(width(k))}${k === "figure" || k === "target" || k === "met" ? "-" : ":"}`).join("|")}|`;
  return [line(HEADER), rule, ...rows.map(line)].join("\n");
}

/** Saves the run as bench-results/<date>-<mode>.json at the repository's root. */
export async function saveResults(results: BenchResults, rows: Row[]): Promise<string> {
  const dir = new URL("../../bench-results/", import.meta.url);
  await mkdir(dir, { recursive: true });
  const file = new URL(`${results.date.replaceAll(":", "-")}-${results.mode}.json`, dir);
  await writeFile(file, `${JSON.stringify({ ...results, table: rows }, null, 2)}\n`);
  return file.pathname;
}
