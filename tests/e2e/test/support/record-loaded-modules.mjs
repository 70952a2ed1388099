// Preloaded with `node --import` (through NODE_OPTIONS): records every module the process loads, ES
// modules through a loader hook and CommonJS ones from require's cache, and writes the list to
// $TALLY_LOADED_MODULES_DIR/<app>.json when the process exits (a SIGTERM's orderly exit included).
import { writeFileSync } from "node:fs";
import process from "node:process";
import { basename, dirname, join } from "node:path";
import { createRequire, register } from "node:module";
import { MessageChannel } from "node:worker_threads";

const hooks = `
let port;
export function initialize(data) { port = data.port; }
export async function load(url, context, next) { port.postMessage(url); return next(url, context); }
`;
const loaded = new Set();
const { port1, port2 } = new MessageChannel();
port1.on("message", (url) => loaded.add(url));
port1.unref();
register(`data:text/javascript,${encodeURIComponent(hooks)}`, { data: { port: port2 }, transferList: [port2] });

process.on("exit", () => {
  const app = basename(dirname(dirname(process.argv[1] ?? "unknown/dist/main.js")));
  const cjs = Object.keys(createRequire(import.meta.url).cache);
  writeFileSync(join(process.env.TALLY_LOADED_MODULES_DIR ?? ".", `${app}.json`), JSON.stringify([...loaded, ...cjs]));
});
