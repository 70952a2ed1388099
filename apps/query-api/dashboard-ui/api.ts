import type { ExactInteger } from "@tally/shared/http";
import type { z } from "zod";
import type { topDomainsResponse } from "../src/counters/top-domains.schema.js";
import type { DashboardSummary as Summary } from "../src/dashboard/dashboard.schema.js";

/** An answer as the page reads it: JSON.parse makes every exact integer a number (rounded past 2^53: fine for a chart). */
type Parsed<T> = T extends ExactInteger ? number : T extends readonly (infer U)[] ? Parsed<U>[] : T extends object ? { [K in keyof T]: Parsed<T[K]> } : T;

export type TopDomains = Parsed<z.output<typeof topDomainsResponse>>;
export type DashboardSummary = Parsed<Summary>;

const KEY_ITEM = "tally.queryApiKey";

/** The API answered 401: it wants a key, or (`refused`) did not take the one this tab has. */
export class KeyRequired extends Error {
  constructor(readonly refused: boolean) {
    super(refused ? "the API key was refused" : "the API needs a key");
  }
}

/** Keeps the key for this tab only: sessionStorage, gone when the tab closes. */
export const apiKey = {
  get: () => sessionStorage.getItem(KEY_ITEM),
  set: (key: string) => sessionStorage.setItem(KEY_ITEM, key),
  clear: () => sessionStorage.removeItem(KEY_ITEM),
};

/** GETs a JSON route of this server, with the tab's key if it has one. */
export async function getJson<T>(path: string): Promise<T> {
  const key = apiKey.get();
  const res = await fetch(path, { headers: key ? { authorization: `Bearer ${key}` } : {}, cache: "no-store" });
  if (res.status === 401) throw new KeyRequired(key !== null);
  if (!res.ok) {
    const problem = (await res.json().catch(() => undefined)) as { detail?: string } | undefined;
    throw new Error(`${path} answered ${res.status}${problem?.detail ? `: ${problem.detail}` : ""}`);
  }
  return (await res.json()) as T;
}
