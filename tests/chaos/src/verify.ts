import { createHash } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import pg from "pg";
import type { Body, Effect, Kind, ProductsBody } from "./bodies.js";
import { outcome } from "./load.js";

/** What the database holds, as the same effects the bodies expect, keyed by body number. */
export interface Actual {
  effects: Record<Exclude<Kind, "products">, Map<number, Effect>>;
  /** Product id → its stored document and version. */
  products: Map<string, { data: unknown; uploadSeq: bigint }>;
  uploads: { accepted: number; unapplied: number; unaccepted: number };
  /** Accepted uploads that share a body digest with another accepted upload: how a body got in twice. */
  twinUploads: { digest: string; uploadId: string; seq: string; receivedAt: number; acceptedAt: number; appliedAt: number | null; staged: boolean }[];
  ledgers: { uuids: number; countedMessages: bigint; counterJobs: number; flowJobs: number };
  /** Hours whose flow_hour_keys count differs from the rows flow_rollup has. */
  flowKeyMismatches: string[];
  /** Rows that belong to no body of ours (a key the load never sent). */
  strangers: string[];
}

/** `123.450` → 123450n: numeric(38,3) sums compared exactly, never as floats. */
export function thousandths(text: string): bigint {
  const [whole = "0", fraction = ""] = text.split(".");
  return BigInt(whole) * 1000n + BigInt(fraction.padEnd(3, "0").slice(0, 3) || "0");
}

const addTo = (map: Map<number, Effect>, n: number, key: string, values: bigint[]) => {
  let effect = map.get(n);
  if (!effect) map.set(n, (effect = new Map()));
  const sum = effect.get(key);
  effect.set(key, sum ? sum.map((v, i) => v + (values[i] ?? 0n)) : values);
};

/** Reads every rollup of the test database directly (not through the query API). */
export async function readActual(databaseUrl: string): Promise<Actual> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const q = async <R extends pg.QueryResultRow>(text: string) => (await client.query<R>(text)).rows;
    const strangers: string[] = [];
    const messages = new Map<number, Effect>();
    for (const r of await q<{ customer_id: string; type: string; count: string; total: string }>(
      "SELECT customer_id::text, type, sum(count)::text AS count, sum(total)::text AS total FROM message_rollup GROUP BY 1, 2",
    )) {
      addTo(messages, Number(r.customer_id), r.type, [BigInt(r.count), thousandths(r.total)]);
    }

    const counters = new Map<number, Effect>();
    for (const [table, tag] of [
      ["domain_minute", "m"],
      ["domain_hour", "h"],
    ] as const) {
      for (const r of await q<{ domain: string; requests: string }>(`SELECT domain, sum(requests)::text AS requests FROM ${table} GROUP BY domain`)) {
        const n = /^req-(\d+)\.d\d+$/.exec(r.domain)?.[1];
        if (n === undefined) strangers.push(`${table} ${r.domain}`);
        else addTo(counters, Number(n), `${tag}|${r.domain}`, [BigInt(r.requests)]);
      }
    }

    const flows = new Map<number, Effect>();
    for (const r of await q<{ hour: string; src_app: string; dest_app: string; vpc_id: string; bytes_tx: string; bytes_rx: string }>(
      "SELECT hour::text, src_app, dest_app, vpc_id, bytes_tx::text, bytes_rx::text FROM flow_rollup",
    )) {
      const n = /^req-(\d+)$/.exec(r.src_app)?.[1];
      if (n === undefined) strangers.push(`flow_rollup ${r.src_app}`);
      else addTo(flows, Number(n), `${r.hour}|${r.dest_app}|${r.vpc_id}`, [BigInt(r.bytes_tx), BigInt(r.bytes_rx)]);
    }
    const flowKeyMismatches = (
      await q<{ hour: string; keys: string; rows: string }>(
        `SELECT coalesce(k.hour, r.hour)::text AS hour, coalesce(k.keys, 0)::text AS keys, coalesce(r.rows, 0)::text AS rows
         FROM flow_hour_keys k FULL JOIN (SELECT hour, count(*) AS rows FROM flow_rollup GROUP BY hour) r ON r.hour = k.hour
         WHERE k.keys IS DISTINCT FROM r.rows`,
      )
    ).map((r) => `hour ${r.hour}: flow_hour_keys says ${r.keys}, flow_rollup has ${r.rows}`);

    const products = new Map<string, { data: unknown; uploadSeq: bigint }>();
    for (const r of await q<{ id: string; data: string; upload_seq: string }>("SELECT id, data::text AS data, upload_seq::text FROM products")) {
      products.set(r.id, { data: JSON.parse(r.data), uploadSeq: BigInt(r.upload_seq) });
    }
    const [uploads] = await q<{ accepted: string; unapplied: string; unaccepted: string }>(
      `SELECT count(*) FILTER (WHERE accepted_seq IS NOT NULL) AS accepted,
              count(*) FILTER (WHERE accepted_seq IS NOT NULL AND applied_at IS NULL) AS unapplied,
              count(*) FILTER (WHERE accepted_seq IS NULL) AS unaccepted
       FROM product_uploads`,
    );
    const twinUploads = (
      await q<{ body_digest: string; upload_id: string; accepted_seq: string; received_at: Date; accepted_at: Date; applied_at: Date | null; staged: boolean }>(
        `SELECT body_digest, upload_id, accepted_seq::text, received_at, accepted_at, applied_at, received_at < accepted_at AS staged
         FROM product_uploads u
         WHERE accepted_seq IS NOT NULL
           AND (SELECT count(*) FROM product_uploads t WHERE t.body_digest = u.body_digest AND t.accepted_seq IS NOT NULL) > 1
         ORDER BY body_digest, accepted_seq`,
      )
    ).map((r) => ({
      digest: r.body_digest,
      uploadId: r.upload_id,
      seq: r.accepted_seq,
      receivedAt: r.received_at.getTime(),
      acceptedAt: r.accepted_at.getTime(),
      appliedAt: r.applied_at?.getTime() ?? null,
      staged: r.staged,
    }));
    const [ledgers] = await q<{ uuids: string; counted: string; counter_jobs: string; flow_jobs: string }>(
      `SELECT (SELECT count(*) FROM message_ledger) AS uuids, (SELECT coalesce(sum(count), 0) FROM message_rollup) AS counted,
              (SELECT count(*) FROM counter_job_ledger) AS counter_jobs, (SELECT count(*) FROM flow_job_ledger) AS flow_jobs`,
    );
    return {
      effects: { messages, counters, flows },
      products,
      uploads: { accepted: Number(uploads?.accepted), unapplied: Number(uploads?.unapplied), unaccepted: Number(uploads?.unaccepted) },
      twinUploads,
      ledgers: { uuids: Number(ledgers?.uuids), countedMessages: BigInt(ledgers?.counted ?? 0), counterJobs: Number(ledgers?.counter_jobs), flowJobs: Number(ledgers?.flow_jobs) },
      flowKeyMismatches,
      strangers,
    };
  } finally {
    await client.end();
  }
}

/**
 * How many times a body's effect is in the database: 0, 1, 2, … — or "partial" when what is there is
 * not a whole multiple of it (some of a request counted, or counted with other values).
 */
function timesCounted(expected: Effect, actual: Effect | undefined): number | "partial" {
  if (!actual || actual.size === 0) return 0;
  let times: bigint | undefined;
  for (const key of new Set([...expected.keys(), ...actual.keys()])) {
    const e = expected.get(key);
    const a = actual.get(key);
    if (!e || !a) return "partial";
    for (let i = 0; i < e.length; i++) {
      const [ev, av] = [e[i] ?? 0n, a[i] ?? 0n];
      if (ev === 0n) {
        if (av !== 0n) return "partial";
        continue;
      }
      if (av % ev !== 0n) return "partial";
      times ??= av / ev;
      if (av !== times * ev) return "partial";
    }
  }
  return Number(times ?? 0n);
}

/** One line of the final table: what the client was told against what the database holds. */
export interface KindReport {
  kind: Kind;
  bodies: number;
  sends: number;
  acknowledged: number;
  refused: number;
  ambiguous: number;
  counted: number;
  lost: number;
  doubled: number;
  /** Refused definitively (4xx, nothing accepted), yet counted. */
  phantom: number;
  /** Counted in part, or with the wrong values / (products) a document that is not the latest. */
  wrong: number;
  ambiguousCounted: number;
  /** Examples of what went wrong, for the failure message. */
  examples: string[];
  /** What the ambiguous sends of bodies found counted were answered: a 503 that said "nothing was accepted" would be a lie. */
  ambiguousCountedAnswers: string[];
}

const emptyReport = (kind: Kind): KindReport => ({
  kind,
  bodies: 0,
  sends: 0,
  acknowledged: 0,
  refused: 0,
  ambiguous: 0,
  counted: 0,
  lost: 0,
  doubled: 0,
  phantom: 0,
  wrong: 0,
  ambiguousCounted: 0,
  examples: [],
  ambiguousCountedAnswers: [],
});

function tally(report: KindReport, body: Body, times: number | "partial", describe: () => string): void {
  const result = outcome(body);
  report.bodies += 1;
  report.sends += body.sends.length;
  report[result === "acked" ? "acknowledged" : result] += 1;
  const problem = (what: "lost" | "doubled" | "phantom" | "wrong") => {
    report[what] += 1;
    if (report.examples.length < 8) report.examples.push(`${what}: ${body.kind} #${body.n} (${result}, sends ${body.sends.map((s) => s.status).join(",")}): ${describe()}`);
  };
  if (times === "partial") return problem("wrong");
  if (times === 1) report.counted += 1;
  if (times >= 2) problem("doubled");
  else if (result === "acked" && times === 0) problem("lost");
  else if (result === "refused" && times === 1) problem("phantom");
  else if (result === "ambiguous" && times === 1) {
    report.ambiguousCounted += 1;
    for (const s of body.sends) report.ambiguousCountedAnswers.push(`${body.kind} #${body.n}: ${s.status} after ${s.ms} ms ${s.detail ?? ""}`.trim());
  }
}

/** Messages, counters, flows: each body's effect against the rollups, exactly. */
export function compareRollups(kind: Exclude<Kind, "products">, bodies: Body[], actual: Actual): KindReport {
  const report = emptyReport(kind);
  const mine = new Set<number>();
  for (const body of bodies) {
    mine.add(body.n);
    const found = actual.effects[kind].get(body.n);
    tally(report, body, timesCounted(body.expected, found), () => `expected ${show(body.expected)}, found ${found ? show(found) : "nothing"}`);
  }
  for (const n of actual.effects[kind].keys()) {
    if (!mine.has(n)) {
      report.phantom += 1;
      report.examples.push(`phantom: ${kind} rollup rows for body #${n}, which was never sent`);
    }
  }
  return report;
}

/**
 * Products: a body was applied iff its own product `u-n` is there (applying is all or nothing once the
 * drain has seen no unapplied upload), and that product's version tells the body's acceptance number.
 * Every shared product must hold the document of the accepted body with the greatest acceptance number
 * among those carrying it (the last element of that id within it), or be absent if none was accepted.
 * "doubled" counts a body answered 202 twice, and accepted uploads beyond the bodies applied.
 */
export function compareProducts(bodies: ProductsBody[], actual: Actual, loadStart = 0): KindReport {
  const report = emptyReport("products");
  const seqOf = new Map<number, bigint>();
  for (const body of bodies) {
    const unique = actual.products.get(body.uniqueId);
    let times: number | "partial" = 0;
    if (unique) {
      seqOf.set(body.n, unique.uploadSeq);
      times = isDeepStrictEqual(unique.data, body.documents.get(body.uniqueId)) ? 1 : "partial";
    }
    if (body.sends.filter((s) => s.status === 202).length > 1) times = 2;
    tally(report, body, times, () => `its product ${body.uniqueId} is ${unique ? JSON.stringify(unique.data).slice(0, 200) : "absent"}`);
    // A body holding a product Postgres would refuse must be refused at once, never accepted to fail later.
    if (body.poisoned && (body.sends.some((s) => s.status === 202) || actual.products.has(`p-${body.n}`))) {
      report.wrong += 1;
      report.examples.push(`wrong: poisoned products body #${body.n} was answered ${body.sends.map((s) => s.status).join(",")}`);
    }
  }
  const extraUploads = actual.uploads.accepted - seqOf.size;
  if (extraUploads !== 0) {
    report.doubled += Math.max(extraUploads, 0);
    report.examples.push(`${actual.uploads.accepted} accepted uploads in product_uploads for ${seqOf.size} bodies applied`);
  }
  // A body accepted twice, told as the uploads and the sends that made it (times from the load's start).
  const t = (ms: number) => `t=${((ms - loadStart) / 1000).toFixed(2)}s`;
  const bodyByDigest = new Map(bodies.map((b) => [createHash("sha256").update(b.text).digest("hex"), b]));
  const byDigest = new Map<string, Actual["twinUploads"]>();
  for (const u of actual.twinUploads) byDigest.set(u.digest, [...(byDigest.get(u.digest) ?? []), u]);
  for (const [digest, twins] of byDigest) {
    const body = bodyByDigest.get(digest);
    const uploads = twins.map((u) => `${u.uploadId} seq ${u.seq} ${u.staged ? "staged" : "small"} accepted ${t(u.acceptedAt)} applied ${u.appliedAt ? t(u.appliedAt) : "never"}`);
    const sends = body?.sends.map((s) => `${s.status} ${t(s.startedAt)}+${s.ms}ms ${s.detail?.slice(0, 120) ?? ""}`.trim()) ?? [];
    report.examples.push(`twice: products #${body?.n ?? "?"} (${body?.large ? "large" : "small"}): uploads [${uploads.join("; ")}], sends [${sends.join("; ")}]`);
  }

  // The winner of each shared id: the applied body carrying it with the greatest acceptance number.
  const winners = new Map<string, { body: ProductsBody; seq: bigint }>();
  for (const body of bodies) {
    const seq = seqOf.get(body.n);
    if (seq === undefined) continue;
    for (const id of body.documents.keys()) {
      if (id === body.uniqueId) continue;
      const best = winners.get(id);
      if (!best || seq > best.seq) winners.set(id, { body, seq });
    }
  }
  const sharedIds = new Set(bodies.flatMap((b) => [...b.documents.keys()].filter((id) => id !== b.uniqueId)));
  for (const id of sharedIds) {
    const stored = actual.products.get(id);
    const winner = winners.get(id);
    const ok = winner ? stored !== undefined && stored.uploadSeq === winner.seq && isDeepStrictEqual(stored.data, winner.body.documents.get(id)) : stored === undefined;
    if (!ok) {
      report.wrong += 1;
      if (report.examples.length < 8) {
        report.examples.push(`wrong: product ${id} holds ${JSON.stringify(stored?.data)?.slice(0, 160)} (seq ${stored?.uploadSeq}); expected body #${winner?.body.n} (seq ${winner?.seq})`);
      }
    }
  }
  return report;
}

function show(effect: Effect): string {
  const text = JSON.stringify([...effect].map(([k, v]) => [k, v.map(String)]));
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
