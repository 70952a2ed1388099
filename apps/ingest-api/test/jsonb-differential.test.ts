import { createTestDatabase, type TestDatabase } from "@tally/testing";
import fc from "fast-check";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkProduct } from "../src/products/check-product.js";
import { MAX_PRODUCT_DEPTH } from "../src/products/jsonb-text.js";

/**
 * Differential test: ingest's verdict on a product (accept, or 422) against Postgres's own on the
 * same text, for thousands of documents generated near every limit jsonb has: numbers at the edges
 * of numeric's scale and range, escapes of U+0000 and of every kind of surrogate, ids that a double
 * would round, and nesting around MAX_PRODUCT_DEPTH. Postgres accepts a product if `text::jsonb`
 * does and, for a numeric id, the number is exactly an integer of at most 2^53-1: what the worker's
 * `(d -> 'id')::bigint` needs to store it under the id ingest validated.
 * TEST_FUZZ_SEED replays a run; TEST_JSONB_RUNS sets how many documents (2,500 by default).
 */
const SEED = Number(process.env.TEST_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const RUNS = Number(process.env.TEST_JSONB_RUNS ?? 2500);

interface Doc {
  text: string;
  depth: number;
}

const digits = (min: number, max: number) => fc.stringMatching(new RegExp(`^[0-9]{${min},${max}}$`));
const near = (edge: number, spread = 3) => fc.integer({ min: edge - spread, max: edge + spread });
const wholePart = fc.oneof(fc.constant("0"), fc.tuple(fc.integer({ min: 1, max: 9 }), digits(0, 6)).map(([d, rest]) => `${d}${rest}`));

/** JSON number texts around numeric's limits: 16383 digits of scale, 10^131072, exponents of ±2^30. */
const numberText = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom("", "-"), wholePart, fc.option(digits(1, 6)), fc.oneof(near(-16383, 8), near(131071, 8), near(-131071, 4), fc.integer({ min: -400, max: 400 }), near(1_073_741_823, 2), near(-1_073_741_823, 2)), fc.constantFrom("e", "E", "e+")).map(([sign, whole, fraction, exponent, e]) => `${sign}${whole}${fraction ? `.${fraction}` : ""}${e === "e+" && exponent < 0 ? "e" : e}${exponent}`) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom("0", "1", "0.000"), near(-16383, 3)).map(([m, e]) => `${m}e${e}`) },
  { weight: 1, arbitrary: fc.tuple(near(16383, 3), fc.integer({ min: 0, max: 9 })).map(([n, last]) => `0.${"0".repeat(n - 1)}${last}`) },
  { weight: 1, arbitrary: near(131072, 2).map((n) => `1${"0".repeat(n - 1)}`) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom("1e", "0e", "2.5e-", "1e+"), digits(11, 14)).map(([m, d]) => `${m}${d}`) },
  { weight: 2, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)) },
);

const hex = (n: number) => n.toString(16).padStart(4, "0");
/** JSON string texts with escapes Postgres refuses or takes: U+0000, lone and paired surrogates, escaped backslashes. */
const stringText = fc
  .array(
    fc.oneof(
      fc.constantFrom("a", "é", "😀", " ", "\\\\", "\\n", '\\"', "\\\\u0000", "\\u0041", "\\uffff"),
      fc.constantFrom(0, 0xd800, 0xdbff, 0xdc00, 0xdfff, 0xd83d, 0x7f).map((u) => `\\u${hex(u)}`),
      fc.tuple(fc.integer({ min: 0xd800, max: 0xdbff }), fc.integer({ min: 0xdc00, max: 0xdfff })).map(([hi, lo]) => `\\u${hex(hi)}\\u${hex(lo)}`),
      fc.tuple(fc.integer({ min: 0xd800, max: 0xdfff }), fc.integer({ min: 0, max: 0xffff })).map(([a, b]) => `\\u${hex(a)}\\u${hex(b)}`),
    ),
    { maxLength: 2 },
  )
  .map((parts) => `"${parts.join("")}"`);

/** Numeric ids a double would get wrong, and ones it gets right. */
const idText = fc.oneof(
  fc.tuple(fc.constantFrom("", "-"), fc.bigInt({ min: 9007199254740980n, max: 9007199254741000n }), fc.constantFrom("", ".0", ".5", ".00001", "e0", "0e-1")).map(([s, n, tail]) => `${s}${n}${tail}`),
  fc.tuple(fc.integer({ min: 0, max: 99 }), fc.constantFrom("", ".0", ".5", "e2", "e-1", "0e-1", "e16", ".99999999999999999")).map(([n, tail]) => `${n}${tail}`),
  fc.constantFrom('"sku-1"', '"\\u0000"', '"\\ud800"'),
);

/** Containers nested `depth` deep (the product counts as one) around a leaf. */
function nest(leaf: string, levels: number, objects: boolean): string {
  return objects ? `${'{"k":'.repeat(levels)}${leaf}${"}".repeat(levels)}` : `${"[".repeat(levels)}${leaf}${"]".repeat(levels)}`;
}

/** A document that is safe but for one part near a limit: its id, a number, a string, a key, or its nesting. */
const SAFE = { id: "1", leaf: '"x"', key: '"k"', levels: 1 };
const doc: fc.Arbitrary<Doc> = fc
  .oneof(
    idText.map((id) => ({ ...SAFE, id })),
    numberText.map((leaf) => ({ ...SAFE, leaf })),
    stringText.map((leaf) => ({ ...SAFE, leaf })),
    stringText.map((key) => ({ ...SAFE, key })),
    fc.tuple(near(MAX_PRODUCT_DEPTH - 1, 2), fc.boolean(), fc.oneof(numberText, stringText)).map(([levels, objects, leaf]) => ({ ...SAFE, levels, leaf: objects ? `{"o":${leaf}}` : leaf })),
  )
  .map(({ id, leaf, key, levels }) => ({ text: `{"id":${id},"v":${nest(leaf, levels, levels % 2 === 0)},${key}:1}`, depth: 1 + levels + (leaf.startsWith("{") ? 1 : 0) }))
  // Only JSON: what is not is a 400 before any of this (an id such as 00e-1 can come out of the parts above).
  .filter(({ text }) => {
    try {
      JSON.parse(text);
      return true;
    } catch {
      return false;
    }
  });

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

describe("ingest's product verdict equals Postgres's", () => {
  it(`for ${RUNS} documents near jsonb's limits (seed ${SEED})`, { timeout: 120_000 }, async () => {
    const docs = fc.sample(doc, { numRuns: RUNS, seed: SEED });
    const verdicts = await database.db.connection().execute(async (conn) => {
      await sql`
        CREATE FUNCTION pg_temp.product_ok(t text) RETURNS boolean LANGUAGE plpgsql AS $$
        DECLARE d jsonb; id numeric;
        BEGIN
          d := t::jsonb;
          IF jsonb_typeof(d -> 'id') = 'number' THEN
            id := (d -> 'id')::numeric;
            RETURN id = trunc(id) AND abs(id) <= 9007199254740991;
          END IF;
          RETURN true;
        EXCEPTION WHEN others THEN RETURN false;
        END $$`.execute(conn);
      const { rows } = await sql<{ ok: boolean }>`SELECT pg_temp.product_ok(t) AS ok FROM unnest(${docs.map((d) => d.text)}::text[]) WITH ORDINALITY AS x(t, n) ORDER BY n`.execute(conn);
      return rows.map((r) => r.ok);
    });

    const disagreements: string[] = [];
    docs.forEach(({ text, depth }, i) => {
      const ingest = checkProduct(text, 0).length === 0;
      const postgres = verdicts[i];
      // Deeper than MAX_PRODUCT_DEPTH, ingest refuses what Postgres may still take: its limit is its stack.
      const expected = depth > MAX_PRODUCT_DEPTH ? false : postgres;
      if (ingest !== expected) disagreements.push(`ingest ${ingest ? "accepts" : "refuses"}, Postgres ${postgres ? "accepts" : "refuses"}: ${text.length > 300 ? `${text.slice(0, 300)}… (${text.length} chars)` : text}`);
    });
    const accepted = verdicts.filter(Boolean).length;
    console.log(`jsonb differential (seed ${SEED}): ${docs.length} documents, Postgres accepted ${accepted}, refused ${docs.length - accepted}; ${disagreements.length} disagreements`);
    expect(disagreements.slice(0, 20)).toEqual([]);
    // The run must have exercised both sides of each limit, not just the easy middle.
    expect(accepted).toBeGreaterThan(docs.length / 5);
    expect(docs.length - accepted).toBeGreaterThan(docs.length / 5);
  });

  it("holds at the depth limit itself: Postgres takes what ingest takes at MAX_PRODUCT_DEPTH", async () => {
    const text = `{"id":1,"v":${nest("1", MAX_PRODUCT_DEPTH - 1, false)}}`;
    expect(checkProduct(text, 0)).toEqual([]);
    // Staging stores products inside an array: one level more.
    const { rows } = await sql<{ n: number }>`SELECT jsonb_array_length(${`[${text}]`}::jsonb) AS n`.execute(database.db);
    expect(rows[0]?.n).toBe(1);
  });
});
