import type { Kind } from "./parse-args.js";

export type Outcome = "accepted" | "rejected" | "ambiguous" | "notSent";

/** Why some events were not accepted cleanly. */
export interface Reason {
  outcome: Exclude<Outcome, "accepted">;
  /** Which events: `lines 101–200`, `[3]`, `the file`; absent for run-wide reasons (gave up). */
  where?: string;
  status?: number;
  message: string;
  /** The problem's field errors, already pointed at lines or file indices. */
  errors?: string[];
  events: number;
  batches: number;
}

/** Hundreds of rejected batches help nobody: the first reasons say it, the rest are counted. */
export const MAX_REASONS = 20;
/** Field errors shown per reason (the API lists up to 100). */
export const MAX_ERRORS_PER_REASON = 5;

/** Every event of the file counted exactly once, in one of four outcomes, plus how the run went. */
export class Summary {
  readonly events: Record<Outcome, number> = { accepted: 0, rejected: 0, ambiguous: 0, notSent: 0 };
  /** `replays`: answers the API gave again for a batch's Idempotency-Key (the first reached it, its answer did not reach us). */
  readonly stats = { requests: 0, retries: 0, replays: 0 };
  readonly reasons: Reason[] = [];
  omittedReasons = 0;
  readonly notes: string[] = [];
  /** The file could not be read to its end (unreadable, or a JSON array broken at some byte). */
  fileError: string | undefined;
  /** The run was interrupted; the rest of the file was not read. */
  interrupted: string | undefined;
  waitedMs = 0;
  private finishedAt: number | undefined;

  constructor(
    readonly kind: Kind,
    readonly file: string,
    private readonly clock: () => number = Date.now,
    private readonly startedAt = clock(),
  ) {}

  accepted(events: number): void {
    this.events.accepted += events;
  }

  /** Counts events that were not accepted cleanly, and keeps why (merging run-wide reasons, which repeat). */
  add(reason: Omit<Reason, "batches" | "errors"> & { errors?: string[] }): void {
    this.events[reason.outcome] += reason.events;
    const same = reason.where === undefined ? this.reasons.find((r) => r.where === undefined && r.outcome === reason.outcome && r.message === reason.message) : undefined;
    if (same) {
      same.events += reason.events;
      same.batches++;
    } else if (this.reasons.length < MAX_REASONS) {
      this.reasons.push({ ...reason, batches: 1 });
    } else {
      this.omittedReasons++;
    }
  }

  /** Events in the file (as far as it was read). */
  get total(): number {
    return this.events.accepted + this.events.rejected + this.events.ambiguous + this.events.notSent;
  }

  finish(waitedMs: number): void {
    this.finishedAt = this.clock();
    this.waitedMs = waitedMs;
  }

  get elapsedMs(): number {
    return (this.finishedAt ?? this.clock()) - this.startedAt;
  }

  /** 0: every event accepted once. 1: something was rejected, ambiguous, not sent, or the file broke off. */
  exitCode(): number {
    if (this.interrupted !== undefined) return 130;
    return this.events.accepted === this.total && this.fileError === undefined ? 0 : 1;
  }

  toJSON() {
    const seconds = this.elapsedMs / 1000;
    return {
      kind: this.kind,
      file: this.file,
      events: this.total,
      accepted: this.events.accepted,
      rejected: this.events.rejected,
      ambiguous: this.events.ambiguous,
      notSent: this.events.notSent,
      requests: this.stats.requests,
      retries: this.stats.retries,
      replays: this.stats.replays,
      waitedSeconds: round(this.waitedMs / 1000),
      elapsedSeconds: round(seconds),
      // Accepted ones: the rate at which the file actually got in.
      eventsPerSecond: seconds > 0 ? round(this.events.accepted / seconds) : 0,
      reasons: this.reasons,
      omittedReasons: this.omittedReasons,
      fileError: this.fileError ?? null,
      interrupted: this.interrupted ?? null,
      notes: this.notes,
    };
  }
}

/** The summary as a person reads it. */
export function formatSummary(summary: Summary): string {
  const s = summary.toJSON();
  const n = (value: number) => value.toLocaleString("en-US");
  const rows: [string, string][] = [
    ["events", n(s.events)],
    ["accepted", n(s.accepted)],
    ["rejected", n(s.rejected)],
    ["ambiguous", n(s.ambiguous)],
    ["not sent", n(s.notSent)],
    ["requests", `${n(s.requests)} (${n(s.retries)} retries, ${n(s.replays)} replayed, waited ${s.waitedSeconds} s)`],
    ["elapsed", `${s.elapsedSeconds} s, ${n(Math.round(s.eventsPerSecond))} events/s accepted`],
  ];
  const lines = [`tally load ${s.kind} ${s.file}`, ...rows.map(([label, value]) => `  ${label.padEnd(10)} ${value}`)];
  if (s.fileError) lines.push(`file error: ${s.fileError} (events after it were not read)`);
  if (s.interrupted) lines.push(`interrupted: ${s.interrupted}`);
  for (const note of s.notes) lines.push(`note: ${note}`);
  if (s.reasons.length > 0) lines.push("reasons:");
  for (const reason of s.reasons) {
    const count = `${n(reason.events)} event${reason.events === 1 ? "" : "s"}${reason.batches > 1 ? ` in ${n(reason.batches)} batches` : ""}`;
    const status = reason.status !== undefined ? `${reason.status} ` : "";
    lines.push(`  - ${reason.outcome === "notSent" ? "not sent" : reason.outcome}, ${reason.where ? `${reason.where}, ` : ""}${count}: ${status}${reason.message}`);
    for (const error of reason.errors ?? []) lines.push(`      ${error}`);
  }
  if (s.omittedReasons > 0) lines.push(`  … and ${n(s.omittedReasons)} more`);
  return lines.join("\n") + "\n";
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
