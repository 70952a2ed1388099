import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { setTimeout } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { eventually, freePort } from "@tally/testing";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));

/** One compose project of the repository's docker-compose.yml, on ports of its own. */
export interface Stack {
  project: string;
  /** The gateway's two published ports: the ingest API's (3000) and the query API's (3001). */
  ingestUrl: string;
  queryUrl: string;
  /** Runs `docker compose -p <project> ARGS` in the repository; rejects with its output on failure. */
  compose(args: string[], timeoutMs?: number): Promise<string>;
  /** Waits until `count` containers of the service run and Docker calls each healthy. */
  waitHealthy(service: string, count: number, timeoutMs?: number): Promise<void>;
  /** Removes the project: containers, network and volumes. */
  down(): Promise<void>;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd: REPO, env, timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout);
      const output = `${stdout}${stderr}`.trimEnd().split("\n").slice(-60).join("\n");
      reject(new Error(`${command} ${args.join(" ")} failed (${error.message.split("\n")[0]}):\n${output}`));
    });
  });
}

/** A stack that is not up yet; `compose(["up", …])` starts it. The project name is unique per run. */
export async function defineStack(): Promise<Stack> {
  const project = process.env.COMPOSE_PROJECT_NAME ?? `tally-smoke-${randomUUID().slice(0, 8)}`;
  const [ingestPort, queryPort] = [await freePort(), await freePort()];
  const env = { ...process.env, COMPOSE_PROJECT_NAME: project, TALLY_INGEST_PORT: String(ingestPort), TALLY_QUERY_PORT: String(queryPort) };
  const compose = (args: string[], timeoutMs = 120_000) => run("docker", ["compose", "-p", project, ...args], env, timeoutMs);

  return {
    project,
    ingestUrl: `http://127.0.0.1:${ingestPort}`,
    queryUrl: `http://127.0.0.1:${queryPort}`,
    compose,
    async waitHealthy(service, count, timeoutMs = 120_000) {
      await eventually(
        async () => {
          const ids = (await compose(["ps", "-q", service])).split("\n").filter(Boolean);
          if (ids.length === count) {
            const states = await run("docker", ["inspect", "--format", "{{.State.Health.Status}}", ...ids], env, 30_000);
            if (states.split("\n").filter(Boolean).every((s) => s === "healthy")) return true;
          }
          await setTimeout(1000); // health checks run every 5 s: no need to ask Docker more often
          return undefined;
        },
        timeoutMs,
        `${count} healthy ${service} container(s)`,
      );
    },
    async down() {
      await compose(["down", "-v", "--remove-orphans"], 180_000);
    },
  };
}
