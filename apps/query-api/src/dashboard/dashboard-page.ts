import { fileURLToPath } from "node:url";

/**
 * Where `pnpm build` puts the page's script and style (bundled by esbuild from dashboard-ui/): the
 * same folder from src/dashboard (tests, tsx) and from dist/dashboard (the built app).
 */
export const DASHBOARD_ASSETS_DIR = fileURLToPath(new URL("../../dist/dashboard/assets/", import.meta.url));

/** Only what this page loads, from this server: no CDN, no inline script or style. */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const topDomainsSection = (kind: "minute" | "hour") => `
  <section aria-labelledby="${kind}-title">
    <h2 id="${kind}-title">Top domains of the last complete ${kind}</h2>
    <p class="window" id="${kind}-window">…</p>
    <div class="chart"><canvas id="${kind}-chart" role="img" aria-label="Bar chart: the busiest domains of the last complete ${kind}; the table that follows has the same numbers"></canvas></div>
    <p class="empty" id="${kind}-empty" hidden>No requests were counted in this ${kind}.</p>
    <div class="visually-hidden">
      <table id="${kind}-table">
        <caption>Requests per domain, last complete ${kind}</caption>
        <thead><tr><th scope="col">Domain</th><th scope="col">Requests</th></tr></thead>
        <tbody></tbody>
      </table>
    </div>
  </section>`;

/** The dashboard: static markup that dashboard.js fills in from the JSON routes every few seconds. */
export const DASHBOARD_PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Tally dashboard</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="/dashboard/assets/dashboard.css">
  <script type="module" src="/dashboard/assets/dashboard.js"></script>
</head>
<body>
  <header>
    <h1>Tally dashboard</h1>
    <p>Updated <time id="updated">never</time> · refreshes every 5 seconds · times in UTC</p>
    <p id="status" role="status"></p>
    <form id="key-form" hidden>
      <label for="key">API key</label>
      <input id="key" name="key" type="password" autocomplete="off" required>
      <button type="submit">Use this key</button>
      <p class="hint">The query API asks for a key. It is kept in this tab only (sessionStorage).</p>
    </form>
  </header>
  <main>${topDomainsSection("minute")}${topDomainsSection("hour")}
  <section aria-labelledby="throughput-title">
    <h2 id="throughput-title">Throughput</h2>
    <dl class="figures">
      <div><dt>Messages, last complete hour</dt><dd id="messages-last">…</dd></div>
      <div><dt>Messages, this hour so far</dt><dd id="messages-current">…</dd></div>
    </dl>
    <p class="window" id="throughput-window">…</p>
    <div class="chart"><canvas id="throughput-chart" role="img" aria-label="Line chart: counter requests per minute over the last 30 minutes; the table that follows has the same numbers"></canvas></div>
    <div class="visually-hidden">
      <table id="throughput-table">
        <caption>Counter requests per minute</caption>
        <thead><tr><th scope="col">Minute (UTC)</th><th scope="col">Requests</th></tr></thead>
        <tbody></tbody>
      </table>
    </div>
  </section>
  <section aria-labelledby="customer-title" id="customer-section">
    <h2 id="customer-title">One customer's messages</h2>
    <form id="customer-form" class="inline">
      <label>Customer <input id="customer-id" name="customerId" inputmode="numeric" pattern="\\d{1,16}" required size="10"></label>
      <label>By <select id="customer-window" name="window"><option value="hour">hour, 2 days</option><option value="day">day, 31 days</option></select></label>
      <label>Up to <input id="customer-until" name="until" type="date" required></label>
      <label>Time zone <select id="customer-tz" name="tz"></select></label>
      <button type="submit">Show</button>
    </form>
    <p class="window" id="customer-note">Counts (bars) and amounts (line) of one customer, summed over its types, by hour or day of the zone chosen, daylight saving included.</p>
    <div class="chart"><canvas id="customer-chart" role="img" aria-label="Bar chart: the customer's messages per hour or day; line: their amount"></canvas></div>
  </section>
  <section aria-labelledby="queues-title">
    <h2 id="queues-title">Queues</h2>
    <p>How far behind the workers are: the time between the oldest event not yet folded in and when a worker last looked (about 1 s when idle).</p>
    <table id="queues-table">
      <thead><tr><th scope="col">Queue</th><th scope="col">Behind by</th><th scope="col">Folded up to</th><th scope="col">Recorded</th></tr></thead>
      <tbody></tbody>
    </table>
  </section>
  </main>
  <noscript><p>This dashboard needs JavaScript. The same numbers are at /v1/stats/domains/top and /v1/dashboard/summary.</p></noscript>
</body>
</html>
`;
