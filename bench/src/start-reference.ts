import { createTestDatabase, eventually, freePort } from "@tally/testing";
import { spawnTs } from "./children.js";

/** The direct-write reference server as its own process, on a migrated database of its own. */
export async function startReference() {
  const database = await createTestDatabase();
  const port = await freePort();
  const child = spawnTs("./reference-server.ts", { DATABASE_URL: database.url, PORT: String(port) });
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await exited;
    }
    await database.drop();
  };
  try {
    await eventually(async () => ((await fetch(`${url}/healthz`)).ok ? true : undefined), 20_000, "the reference server to listen");
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, db: database.db, stop };
}
