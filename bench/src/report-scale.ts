import { mkdir, writeFile } from "node:fs/promises";
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import type { Machine } from "./machine.js";
import type { ScaleStep } from "./measure-scale.js";

export interface ScaleResults {
  date: string;
  seconds: number;
  machine: Machine;
  steps: ScaleStep[];
}

const int = (n: number) => Math.round(n).toLocaleString("en");
const ms = (n: number) => (n < 10 ? n.toFixed(2) : n.toFixed(1));
const rowsLabel = (n: number) => (n >= 1e6 ? `${int(n / 1e6)}M` : int(n));

/** One Markdown table: a row per size, its fold rate, each query's p50 / p99 and the bytes per row. */
export function formatScaleTable(steps: readonly ScaleStep[]): string {
  const names = steps[0]?.queries.map((q) => q.name.split(" (")[0] ?? q.name) ?? [];
  const header = ["rollup rows", "ledger rows", "fold, events/s", ...names.map((n) => `${n}: p50 / p99 ms`), "rollup bytes/row", "ledger bytes/message"];
  const lines = steps.map((s) => [
    rowsLabel(s.rollupRows),
    rowsLabel(s.ledgerRows),
    int(s.fold.eventsPerSecond),
    ...s.queries.map((q) => `${ms(q.latency.p50)} / ${ms(q.latency.p99)}`),
    int(s.bytes.rollupPerRow),
    int(s.bytes.ledgerPerMessage),
  ]);
  const row = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [row(header), row(header.map((_, i) => (i === 0 ? ":--" : "--:"))), ...lines.map(row)].join("\n");
}

/**
 * The plot for docs/performance.md, drawn by Vega-Lite (rendered to SVG by Vega, no browser): query
 * p99 and fold rate against the number of rows, both on log scales so that O(log n) reads as a line.
 */
async function plotScale(steps: readonly ScaleStep[]): Promise<string> {
  const queries = steps.flatMap((s) => s.queries.map((q) => ({ rows: s.rollupRows, series: q.name.split(" (")[0] ?? q.name, p99: q.latency.p99 })));
  const folds = steps.map((s) => ({ rows: s.rollupRows, eventsPerSecond: s.fold.eventsPerSecond }));
  const x = { field: "rows", type: "quantitative", scale: { type: "log" }, title: "message rollup rows (and as many ledger uuids)" } as const;
  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    config: { font: "sans-serif", view: { stroke: null } },
    hconcat: [
      {
        title: "messages queries: p99",
        width: 360,
        height: 240,
        data: { values: queries },
        mark: { type: "line", point: true },
        encoding: { x, y: { field: "p99", type: "quantitative", title: "p99, ms" }, color: { field: "series", type: "nominal", title: null, legend: { orient: "bottom", direction: "vertical", labelLimit: 600 } } },
      },
      {
        title: "worker fold statements: events/s",
        width: 360,
        height: 240,
        data: { values: folds },
        mark: { type: "line", point: true },
        encoding: { x, y: { field: "eventsPerSecond", type: "quantitative", title: "events/s", scale: { zero: true } } },
      },
    ],
  };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  return view.toSVG();
}

/** Saves the run as bench-results/<date>-scale.json, and its plot beside it as .svg; returns both paths. */
export async function saveScaleResults(results: ScaleResults, table: string): Promise<string[]> {
  const dir = new URL("../../bench-results/", import.meta.url);
  await mkdir(dir, { recursive: true });
  const stem = `${results.date.replaceAll(":", "-")}-scale`;
  const json = new URL(`${stem}.json`, dir);
  const svg = new URL(`${stem}.svg`, dir);
  await writeFile(json, `${JSON.stringify({ ...results, table }, null, 2)}\n`);
  await writeFile(svg, await plotScale(results.steps));
  return [json.pathname, svg.pathname];
}
