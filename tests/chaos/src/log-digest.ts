import type { AppProcess } from "@tally/testing";

/**
 * The apps' warnings and errors, grouped by service, message and error message, most frequent first:
 * what a failing run needs to be diagnosed. Request logs of expected answers (503 while a server is
 * away) are left out; an "unhandled error" (a 500) always shows.
 */
export function logDigest(apps: AppProcess[], limit = 20): string[] {
  const groups = new Map<string, number>();
  for (const app of apps) {
    for (const line of app.output().split("\n")) {
      if (!line.startsWith("{") || !/"level":[45]0/.test(line)) continue;
      let entry: { service?: string; msg?: string; err?: unknown; res?: { statusCode?: number } };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        continue;
      }
      if (entry.res?.statusCode === 503) continue;
      const err = typeof entry.err === "string" ? entry.err : (entry.err as { message?: string } | undefined)?.message;
      const key = `${entry.service ?? "?"}: ${entry.msg ?? ""}${err ? ` — ${err.slice(0, 160)}` : ""}`;
      groups.set(key, (groups.get(key) ?? 0) + 1);
    }
  }
  return [...groups].sort((a, b) => b[1] - a[1]).slice(0, limit).map(([key, n]) => `${String(n).padStart(6)} × ${key}`);
}

/** A process that died by itself: which app, roughly when (its last log line), and what it printed dying. */
export function crashReport(app: AppProcess): string {
  return `${appName(app)} pid ${app.child.pid} exited by itself (code ${app.child.exitCode}) after ${lastLogTime(app)}:\n${crashTail(app)}`;
}

function appName(app: AppProcess): string {
  return /"service":"([\w-]+)"/.exec(app.output())?.[1] ?? "app";
}

/** The time of the last log line a process wrote: roughly when it died. */
function lastLogTime(app: AppProcess): string {
  return [...app.output().matchAll(/"time":"([^"]+)"/g)].at(-1)?.[1] ?? "its start";
}

/** What a crashed process printed after its last JSON log line: the uncaught error and its stack. */
function crashTail(app: AppProcess): string {
  const lines = app.output().trimEnd().split("\n");
  const lastJson = lines.findLastIndex((l) => l.startsWith("{"));
  return lines.slice(lastJson + 1, lastJson + 16).join("\n");
}
