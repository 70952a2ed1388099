import "./dashboard.css";
import { apiKey, getJson, KeyRequired, type DashboardSummary, type TopDomains } from "./api.js";
import { customerChart } from "./customer-chart.js";
import { createView } from "./render.js";

const REFRESH_MS = 5000;

const render = createView();
customerChart();
const status = document.getElementById("status")!;
const keyForm = document.getElementById("key-form") as HTMLFormElement;
const keyInput = document.getElementById("key") as HTMLInputElement;
let timer: ReturnType<typeof setTimeout> | undefined;
let running: Promise<void> | undefined;

async function refresh(): Promise<void> {
  clearTimeout(timer);
  try {
    const [minute, hour, summary] = await Promise.all([
      getJson<TopDomains>("/v1/stats/domains/top?window=minute"),
      getJson<TopDomains>("/v1/stats/domains/top?window=hour"),
      getJson<DashboardSummary>("/v1/dashboard/summary"),
    ]);
    render(minute, hour, summary);
    status.textContent = "";
    // Tests (and anyone curious) can tell the first numbers are on the page.
    document.body.dataset.ready = "true";
  } catch (error) {
    // Without a key nothing would change: no polling until one is given.
    if (error instanceof KeyRequired) return askForKey(error.refused);
    status.textContent = `Could not refresh (${error instanceof Error ? error.message : String(error)}); trying again in 5 seconds.`;
  }
  if (!document.hidden) timer = setTimeout(refreshNow, REFRESH_MS);
}

/** One refresh at a time, whatever asks for it (the timer, the tab coming back, a new key). */
function refreshNow(): void {
  running ??= refresh().finally(() => (running = undefined));
}

function askForKey(refused: boolean): void {
  if (refused) apiKey.clear();
  keyForm.hidden = false;
  status.textContent = refused ? "That API key was refused: enter another." : "The query API needs a key to show its numbers.";
  keyInput.focus();
}

keyForm.addEventListener("submit", (event) => {
  event.preventDefault();
  apiKey.set(keyInput.value.trim());
  keyInput.value = "";
  keyForm.hidden = true;
  status.textContent = "Loading…";
  refreshNow();
});

// A hidden tab does not poll; it refreshes as soon as it is shown again.
document.addEventListener("visibilitychange", () => (document.hidden ? clearTimeout(timer) : refreshNow()));
refreshNow();
