import { BarController, BarElement, CategoryScale, Chart, type Chart as ChartType, LinearScale, LineController, LineElement, PointElement } from "chart.js";
import { getJson } from "./api.js";

// What this chart draws, registered here too (registering twice is harmless) so it does not rely on charts.ts.
Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement);

/** One page of `GET /v1/stats/messages` with a window, as the chart reads it. */
interface MessagesPage {
  items: { customerId: number; type: string; start: string; end: string; count: number; totalAmount: string }[];
  nextCursor: string | null;
}

const DAY_MS = 86_400_000;
/** Zones offered besides UTC and the browser's own: a quarter-hour offset each, and both hemispheres' daylight saving. */
const ZONES = ["UTC", "Europe/Lisbon", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu", "Pacific/Chatham"];
/** Pages of 1,000 buckets × types read at most: a month by day is 31 buckets per type. */
const MAX_PAGES = 10;

/** Count (bars) and amount (line, right axis) of one customer, summed over its types, per hour or day of a zone. */
export function customerChart(): void {
  const form = document.getElementById("customer-form") as HTMLFormElement;
  const zone = document.getElementById("customer-tz") as HTMLSelectElement;
  const until = document.getElementById("customer-until") as HTMLInputElement;
  const section = document.getElementById("customer-section") as HTMLElement;
  const note = document.getElementById("customer-note")!;
  const own = Intl.DateTimeFormat().resolvedOptions().timeZone;
  for (const name of [...new Set([own, ...ZONES])]) zone.add(new Option(name === own ? `${name} (this browser)` : name, name));
  zone.value = "UTC";
  until.value = new Date(Date.now() + DAY_MS).toISOString().slice(0, 10);
  const chart = new Chart(document.getElementById("customer-chart") as HTMLCanvasElement, {
    type: "bar",
    data: {
      labels: [] as string[],
      datasets: [
        { type: "bar", label: "Messages", data: [] as number[], yAxisID: "y", backgroundColor: getComputedStyle(document.documentElement).getPropertyValue("--accent").trim() },
        { type: "line", label: "Amount", data: [] as number[], yAxisID: "amount", borderColor: getComputedStyle(document.documentElement).getPropertyValue("--warn").trim(), pointRadius: 2 },
      ],
    },
    options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } }, amount: { beginAtZero: true, position: "right", grid: { display: false } } } },
  }) as unknown as ChartType<"bar", number[], string>;

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const window = data.get("window") === "hour" ? "hour" : "day";
    const to = Date.parse(`${String(data.get("until"))}T00:00:00Z`);
    const from = to - (window === "hour" ? 2 : 31) * DAY_MS;
    const tz = zone.value;
    const base = `/v1/stats/messages?customerId=${encodeURIComponent(String(data.get("customerId")))}&from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}&window=${window}&tz=${encodeURIComponent(tz)}&size=1000`;
    note.textContent = "Loading…";
    void load(base).then(
      (items) => {
        // Summed over the customer's types, by bucket start (clipped buckets at either end included).
        const byStart = new Map<string, { count: number; amount: number }>();
        for (const i of items) {
          const sum = byStart.get(i.start) ?? { count: 0, amount: 0 };
          byStart.set(i.start, { count: sum.count + i.count, amount: sum.amount + Number(i.totalAmount) });
        }
        const starts = [...byStart.keys()].sort();
        const label = new Intl.DateTimeFormat(undefined, { timeZone: tz, month: "short", day: "numeric", ...(window === "hour" ? { hour: "2-digit", minute: "2-digit" } : {}) });
        chart.data.labels = starts.map((s) => label.format(Date.parse(s)));
        chart.data.datasets[0]!.data = starts.map((s) => byStart.get(s)!.count);
        chart.data.datasets[1]!.data = starts.map((s) => byStart.get(s)!.amount);
        chart.update("none");
        const total = starts.reduce((n, s) => n + byStart.get(s)!.count, 0);
        section.dataset.messages = String(total);
        section.dataset.buckets = String(starts.length);
        note.textContent = total === 0 ? "No messages for this customer in this period." : `${total.toLocaleString()} messages by ${window}, ${tz}.`;
      },
      (error: unknown) => (note.textContent = `Could not load (${error instanceof Error ? error.message : String(error)}).`),
    );
  });
}

/** Every item of the answer, following nextCursor. */
async function load(base: string): Promise<MessagesPage["items"]> {
  const items: MessagesPage["items"] = [];
  let cursor: string | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const answer: MessagesPage = await getJson<MessagesPage>(cursor ? `${base}&cursor=${encodeURIComponent(cursor)}` : base);
    items.push(...answer.items);
    cursor = answer.nextCursor;
    if (!cursor) break;
  }
  return items;
}
