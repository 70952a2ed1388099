import type { DashboardSummary, TopDomains } from "./api.js";
import { setChartData, throughputChart, topDomainsChart } from "./charts.js";
import { duration, formatCount, hhmm, hhmmss, windowText } from "./format.js";

function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the page has no #${id}`);
  return element as T;
}

/** Rows of text (never HTML: domain names are whatever clients posted); the first cell heads its row. */
function fillTable(id: string, rows: string[][]): void {
  const body = byId<HTMLTableElement>(id).tBodies[0]!;
  body.replaceChildren(
    ...rows.map((cells) => {
      const tr = document.createElement("tr");
      cells.forEach((text, i) => {
        const cell = document.createElement(i === 0 ? "th" : "td");
        if (i === 0) cell.setAttribute("scope", "row");
        cell.textContent = text;
        tr.append(cell);
      });
      return tr;
    }),
  );
}

function freshnessText(answer: TopDomains): string {
  if (answer.asOf === null) return "no worker has reported yet";
  return answer.complete ? "final" : "provisional: workers are still folding it";
}

function topDomainsView(kind: "minute" | "hour") {
  const canvas = byId<HTMLCanvasElement>(`${kind}-chart`);
  const chart = topDomainsChart(canvas);
  return (answer: TopDomains) => {
    byId(`${kind}-window`).textContent = `${windowText(answer.start, answer.end)} · ${freshnessText(answer)}`;
    const empty = answer.items.length === 0;
    byId(`${kind}-empty`).hidden = !empty;
    canvas.parentElement!.hidden = empty;
    setChartData(
      chart,
      answer.items.map((i) => i.domain),
      answer.items.map((i) => i.requests),
    );
    const top = answer.items[0];
    canvas.setAttribute(
      "aria-label",
      `Bar chart of the ${answer.items.length} busiest domains, ${windowText(answer.start, answer.end)}` +
        (top ? `; the busiest is ${top.domain} with ${formatCount(top.requests)} requests` : "") +
        ". The table that follows has the same numbers.",
    );
    fillTable(
      `${kind}-table`,
      answer.items.map((i) => [i.domain, formatCount(i.requests)]),
    );
  };
}

function queueRow(q: DashboardSummary["queues"][number]): string[] {
  if (q.asOf === null || q.lagMs === null || q.recordedAgoMs === null) return [q.queue, "—", "—", "no worker has recorded this queue yet"];
  const recorded = q.recordedAgoMs > 10_000 ? `${duration(q.recordedAgoMs)} ago: is a worker running?` : `${duration(Math.max(0, q.recordedAgoMs))} ago`;
  return [q.queue, duration(q.lagMs), `${hhmmss(q.asOf)} UTC`, recorded];
}

/** The page's charts and tables, created once and given new numbers on every refresh. */
export function createView() {
  const minute = topDomainsView("minute");
  const hour = topDomainsView("hour");
  const throughput = throughputChart(byId<HTMLCanvasElement>("throughput-chart"));
  return (minuteTop: TopDomains, hourTop: TopDomains, summary: DashboardSummary) => {
    minute(minuteTop);
    hour(hourTop);
    const series = summary.requestsPerMinute;
    byId("throughput-window").textContent = `Counter requests per minute, ${windowText(series.from, series.to)}`;
    setChartData(
      throughput,
      series.minutes.map((m) => hhmm(m.minute)),
      series.minutes.map((m) => m.requests),
    );
    fillTable(
      "throughput-table",
      series.minutes.map((m) => [hhmm(m.minute), formatCount(m.requests)]),
    );
    byId("messages-last").textContent = formatCount(summary.messages.lastHour.count);
    byId("messages-current").textContent = formatCount(summary.messages.currentHour.count);
    fillTable("queues-table", summary.queues.map(queueRow));
    const updated = byId<HTMLTimeElement>("updated");
    updated.dateTime = summary.generatedAt;
    updated.textContent = `${hhmmss(summary.generatedAt)} UTC`;
  };
}
