/**
 * Buckets of a time zone's calendar (its hours, days or months), as the instants they start at. Node's
 * ICU time zone data is the one source: Postgres only groups rows by the instants computed here, so no
 * difference between two time zone databases, nor Postgres's POSIX zone syntax, can change an answer.
 */
export type BucketWindow = "hour" | "day" | "month";

/** The most buckets one query may split [from, to) into: a leap year by hour is 8,784. */
export const MAX_BUCKETS = 10_000;
/** The shortest a bucket of each window is, daylight saving aside: more than MAX_BUCKETS of them is refused unseen. */
const SHORTEST: Record<BucketWindow, number> = { hour: 3_600_000, day: 23 * 3_600_000, month: 28 * 86_400_000 };

/**
 * An IANA zone name (`Europe/Lisbon`, `Asia/Calcutta` or `Asia/Kolkata`, `UTC`) that Node knows. Not
 * abbreviations (`EST`), POSIX strings (`UTC+5`, `EST5EDT`, `<+0545>-0545`, which Postgres reads with
 * the sign inverted) or bare offsets: an Area/Location name, or UTC.
 */
export function isZoneName(name: string): boolean {
  if (!/^(?:UTC|[A-Z][A-Za-z]*(?:\/[A-Za-z0-9_+-]+)+)$/.test(name)) return false;
  try {
    formatter(name);
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(zone, f);
  }
  return f;
}

interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  /** Local minus UTC, in ms, at this instant. */
  offset: number;
}

/** The wall clock of `zone` at instant `at` (whole seconds). */
function wallAt(zone: string, at: number): Wall {
  const p: Record<string, number> = {};
  for (const { type, value } of formatter(zone).formatToParts(at)) if (type !== "literal") p[type] = Number(value);
  const [year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0] = [p.year, p.month, p.day, p.hour, p.minute, p.second];
  return { year, month, day, hour, offset: utc(year, month - 1, day, hour, minute, second) - (at - (((at % 1000) + 1000) % 1000)) };
}

/** Date.UTC without its two-digit-year rule (which reads year 50 as 1950). */
function utc(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month, day);
  d.setUTCHours(hour, minute, second, 0);
  return d.getTime();
}

/** What names the bucket an instant is in. An hour keeps its offset: 01:00 EDT and 01:00 EST are two. */
function bucketKey(w: Wall, window: BucketWindow): string {
  if (window === "month") return `${w.year}-${w.month}`;
  if (window === "day") return `${w.year}-${w.month}-${w.day}`;
  return `${w.year}-${w.month}-${w.day}T${w.hour}@${w.offset}`;
}

/** The wall-clock start of the bucket after the one `w` is in, as if that wall clock were UTC. */
function nextWallStart(w: Wall, window: BucketWindow): number {
  if (window === "month") return utc(w.year, w.month, 1);
  if (window === "day") return utc(w.year, w.month - 1, w.day + 1);
  return utc(w.year, w.month - 1, w.day, w.hour + 1);
}

/** The first instant after `at` (whose wall clock is `w`) that is in another bucket, and its wall clock. */
function nextBoundary(zone: string, window: BucketWindow, at: number, w: Wall): [number, Wall] {
  const key = bucketKey(w, window);
  const guess = nextWallStart(w, window) - w.offset;
  // The usual case: no offset change before the next bucket starts.
  const there = wallAt(zone, guess);
  if (there.offset === w.offset) return [guess, there];
  // An offset change in between (daylight saving): find the change of bucket by bisection, to the
  // second. Three hours past the guess is past any shift a zone has had (Antarctica/Troll's is 2 h).
  let lo = at;
  let hi = guess + 3 * 3_600_000;
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (bucketKey(wallAt(zone, mid), window) === key) lo = mid;
    else hi = mid;
  }
  return [hi, wallAt(zone, hi)];
}

/**
 * The starts of the buckets `[from, to)` is split into, the first clipped to `from` (each bucket ends
 * where the next starts; the last at `to`), or undefined if there would be more than MAX_BUCKETS.
 */
export function bucketStarts(from: number, to: number, window: BucketWindow, zone: string): number[] | undefined {
  if ((to - from) / SHORTEST[window] > MAX_BUCKETS + 2) return undefined;
  const starts = [from];
  let [at, wall] = nextBoundary(zone, window, from, wallAt(zone, from));
  while (at < to) {
    if (starts.length === MAX_BUCKETS) return undefined;
    starts.push(at);
    // By the hour, from a whole local hour, a day without an offset change is 24 whole hours: one lookup,
    // not 24 (a year by the hour costs ~365 instead of ~8,760, which would hold the event loop for tens
    // of ms). No zone changes its offset twice within a day. (A bucket cut short by a change, such as
    // Chatham's 03:45–04:00, does not start on a whole hour, and takes the slow path.)
    const onWholeHour = (at + wall.offset) % 3_600_000 === 0;
    const dayLater = window === "hour" && onWholeHour ? wallAt(zone, at + 86_400_000) : undefined;
    if (dayLater?.offset === wall.offset) {
      for (let h = 1; h < 24 && at + h * 3_600_000 < to; h++) {
        if (starts.length === MAX_BUCKETS) return undefined;
        starts.push(at + h * 3_600_000);
      }
      [at, wall] = [at + 86_400_000, dayLater];
    } else {
      [at, wall] = nextBoundary(zone, window, at, wall);
    }
  }
  return starts;
}
