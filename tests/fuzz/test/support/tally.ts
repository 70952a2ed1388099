import type { Outcome } from "./http-client.js";

/** Requests sent and statuses seen, per route, for the table the suite prints at the end. */
export class Tally {
  private readonly routes = new Map<string, { sent: number; statuses: Map<string, number> }>();

  record(route: string, outcomes: readonly Outcome[]): void {
    const entry = this.routes.get(route) ?? { sent: 0, statuses: new Map<string, number>() };
    this.routes.set(route, entry);
    for (const o of outcomes) {
      entry.sent++;
      const key = o.status === undefined ? "no answer" : String(o.status);
      entry.statuses.set(key, (entry.statuses.get(key) ?? 0) + 1);
    }
  }

  table(): string {
    const rows = [...this.routes.entries()].map(([route, { sent, statuses }]) => [
      route,
      String(sent),
      [...statuses.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([s, n]) => `${s}×${n}`)
        .join(" "),
    ]);
    const total = rows.reduce((sum, [, sent]) => sum + Number(sent), 0);
    rows.push(["total", String(total), ""]);
    const header = ["route", "sent", "statuses (count)"];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]) => cells.map((c, i) => (i === 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(" │ ");
    return [line(header), widths.map((w) => "─".repeat(w)).join("─┼─"), ...rows.map(line)].join("\n");
  }
}
