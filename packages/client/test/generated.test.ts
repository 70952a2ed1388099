import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { generateClientTypes } from "../scripts/client-types.js";

// From the apps' dist/, which turbo builds before this package's tests (`^build`).
const generated = await generateClientTypes();

describe("the generated client types", () => {
  it.each(Object.entries(generated))("%s is what the apps' OpenAPI documents generate today", async (file, text) => {
    const committed = await readFile(new URL(`../${file}`, import.meta.url), "utf8").catch(() => "");
    // Not toEqual: a diff of two 1,700-line files helps less than saying what to run.
    if (committed !== text) expect.fail(`packages/client/${file} is out of date with the app's OpenAPI document: run pnpm --filter @tally/client generate, and commit the result`);
  });
});
