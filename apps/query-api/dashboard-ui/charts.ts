import { BarController, BarElement, CategoryScale, Chart, Filler, LinearScale, LineController, LineElement, PointElement, Tooltip } from "chart.js";

// Only the parts drawn here, so the bundle carries no other chart types.
Chart.register(BarController, BarElement, CategoryScale, Filler, LinearScale, LineController, LineElement, PointElement, Tooltip);

const css = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();
const MAX_LABEL = 28;
const shorten = (label: string) => (label.length > MAX_LABEL ? `${label.slice(0, MAX_LABEL - 1)}…` : label);

function baseDefaults(): void {
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = css("--muted");
  Chart.defaults.borderColor = css("--grid");
  // Refreshes replace the numbers in place: no animation to wait for, nothing moving every 5 s.
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
}

/** Horizontal bars, busiest first; long domain names are shortened on the axis, whole in the tooltip and table. */
export function topDomainsChart(canvas: HTMLCanvasElement): Chart<"bar", number[], string> {
  baseDefaults();
  return new Chart(canvas, {
    type: "bar",
    data: { labels: [], datasets: [{ label: "Requests", data: [], backgroundColor: css("--accent"), borderRadius: 3 }] },
    options: {
      indexAxis: "y",
      scales: {
        x: { beginAtZero: true, ticks: { precision: 0 } },
        y: {
          grid: { display: false },
          ticks: {
            callback(value) {
              return shorten(this.getLabelForValue(Number(value)));
            },
          },
        },
      },
    },
  });
}

/** Requests per minute as a filled line. */
export function throughputChart(canvas: HTMLCanvasElement): Chart<"line", number[], string> {
  baseDefaults();
  return new Chart(canvas, {
    type: "line",
    data: { labels: [], datasets: [{ label: "Requests per minute", data: [], borderColor: css("--accent"), backgroundColor: css("--accent-soft"), fill: true, pointRadius: 2, tension: 0.2 }] },
    options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } }, x: { ticks: { maxTicksLimit: 10 } } } },
  });
}

/** Replaces a chart's numbers and redraws it at once. */
export function setChartData<T extends "bar" | "line">(chart: Chart<T, number[], string>, labels: string[], values: number[]): void {
  chart.data.labels = labels;
  chart.data.datasets[0]!.data = values;
  chart.update("none");
}
