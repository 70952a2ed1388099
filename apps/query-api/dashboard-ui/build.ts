import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** Where the app serves the dashboard's assets from (src/dashboard/dashboard-page.ts names the same folder). */
export const DASHBOARD_OUT_DIR = here("../dist/dashboard/assets/");

/**
 * Bundles the page's script, Chart.js included, and its style into dist/dashboard/assets, next to
 * tsc's output: the query API serves every asset itself, no CDN at run time.
 */
export async function buildDashboard(): Promise<void> {
  await build({
    entryPoints: { dashboard: here("./dashboard.ts") },
    outdir: DASHBOARD_OUT_DIR,
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: ["es2022"],
    logLevel: "warning",
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildDashboard();
