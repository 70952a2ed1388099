import fc from "fast-check";
import { Entries, Raw } from "../json-text.js";
import { UTF8_MARK } from "./envelopes.js";
import { notAnObject, type Item } from "./items.js";
import { badIntegerToken, MAX_SAFE, nonNumber, sizedString, storableString, tooLongString, unstorableString } from "./values.js";

/** The largest second the README's counters take: 9999-12-31T23:59:59Z. */
const MAX_TIMESTAMP = 253_402_300_799;

const validTimestamp: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer({ min: 0, max: MAX_TIMESTAMP }),
  fc.constantFrom(0, 1_608_102_631, MAX_TIMESTAMP),
  fc.integer({ min: 0, max: MAX_TIMESTAMP }).map(String),
  fc.constantFrom(new Raw("1.6e9"), new Raw("1608102631.0")),
);

const badTimestamp: fc.Arbitrary<unknown> = fc.oneof(
  badIntegerToken,
  fc.integer({ min: MAX_TIMESTAMP + 1, max: MAX_SAFE }),
  fc.constantFrom("", "-1", "1.5", "1e3", " 1", "1 ", "abc", "0x1f", "+1", "1608102631.0", "\uff11"),
  fc.bigInt({ min: BigInt(MAX_TIMESTAMP) + 1n, max: 10n ** 20n }).map(String),
  nonNumber.filter((v) => typeof v !== "string"),
);

/** "timestamp" is not a domain, and "__proto__" is refused as one (422; see the README). */
const RESERVED = ["timestamp", "__proto__"];
const domain = fc.oneof(
  { weight: 6, arbitrary: storableString(1, 40) },
  sizedString(200, 253),
  fc.constantFrom("__proto__", "constructor", "toString", "hasOwnProperty", "a.b.c", "xn--bcher-kva.example", "TIMESTAMP", "0", "-1"),
).filter((d) => !RESERVED.includes(d));

const validCount = fc.oneof(fc.nat(1000), fc.constantFrom(0, MAX_SAFE), fc.maxSafeNat(), fc.constant(new Raw("1e3")));
const badCount = fc.oneof(badIntegerToken, nonNumber);

/** A counter: its timestamp and one or more domains with their counts (a domain may repeat; the last counts). */
function counterOf(domains: fc.Arbitrary<string>): fc.Arbitrary<Entries> {
  return fc
    .tuple(validTimestamp, fc.array(fc.tuple(domains, validCount), { minLength: 1, maxLength: 8 }), fc.nat())
    .map(([ts, counts, at]) => {
      const entries: [string, unknown][] = [...counts];
      entries.splice(at % (entries.length + 1), 0, ["timestamp", ts]);
      return new Entries(entries);
    });
}

export const validCounter = counterOf(domain);
/** A counter with one domain holding U+0000 or a lone surrogate: valid by the README's rules, unstorable in Postgres text. */
export const unstorableCounter = fc
  .tuple(validCounter, unstorableString(60).filter((d) => d.length > 0), validCount)
  .map(([counter, name, count]) => new Entries([...counter.entries, [name, count]]));

type Break = "timestamp-missing" | "timestamp-bad" | "timestamp-repeated-bad" | "count-bad" | "domain-empty" | "domain-too-long" | "no-domain";

/** A counter broken in one or more ways, each naming its path. */
const brokenCounter: fc.Arbitrary<Item> = fc
  .tuple(validCounter, fc.uniqueArray(fc.constantFrom<Break>("timestamp-missing", "timestamp-bad", "timestamp-repeated-bad", "count-bad", "domain-empty", "domain-too-long", "no-domain"), { minLength: 1, maxLength: 3 }), badTimestamp, badCount, tooLongString(253, 2000), domain)
  .map(([counter, breaks, ts, count, long, name]) => {
    let entries = [...counter.entries];
    const bad: (string | number)[][] = [];
    const has = (b: Break) => breaks.includes(b);
    if (has("no-domain")) {
      entries = entries.filter(([k]) => k === "timestamp");
      bad.push([]);
    } else {
      if (has("count-bad")) {
        entries.push([name, count]);
        bad.push([name]);
      }
      if (has("domain-empty")) {
        entries.push(["", 1]);
        bad.push([""]);
      }
      if (has("domain-too-long")) {
        entries.push([long, 1]);
        bad.push([long]);
      }
    }
    if (has("timestamp-missing")) entries = entries.filter(([k]) => k !== "timestamp");
    else if (has("timestamp-bad")) entries = entries.map(([k, v]) => [k, k === "timestamp" ? ts : v]);
    else if (has("timestamp-repeated-bad")) entries.push(["timestamp", ts]);
    if (has("timestamp-missing") || has("timestamp-bad") || has("timestamp-repeated-bad")) bad.push(["timestamp"]);
    return { value: new Entries(entries), bad };
  });

export const counterItems = {
  valid: validCounter.map((value): Item => ({ value, bad: [] })),
  invalid: fc.oneof({ weight: 6, arbitrary: brokenCounter }, notAnObject(fc.oneof(fc.integer(), fc.string(), fc.constant(null), fc.array(fc.nat(), { maxLength: 2 })))),
  utf8Carrier: fc.tuple(validTimestamp, storableString(0, 20)).map(([ts, prefix]): Item => ({ value: new Entries([["timestamp", ts], [`${prefix}${UTF8_MARK}`, 1]]), bad: [] })),
};
