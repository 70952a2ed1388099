import fc from "fast-check";
import { Entries } from "../json-text.js";

/** One element of a body: its JSON value, and the paths (within it) a 422 must name, none if it is valid. */
export interface Item {
  value: unknown;
  bad: (string | number)[][];
}

export type FieldArbs = Record<string, fc.Arbitrary<unknown>>;

/** A valid object: every field valid, plus extra fields the API ignores. */
export function validObject(fields: FieldArbs, extras: fc.Arbitrary<[string, unknown][]>): fc.Arbitrary<Entries> {
  return fc.tuple(fc.record(fields), extras, fc.boolean()).map(([record, extra, extrasFirst]) => {
    const own = Object.entries(record);
    return new Entries(extrasFirst ? [...extra, ...own] : [...own, ...extra]);
  });
}

type Breakage = "missing" | "wrong" | "repeated-wrong";

/**
 * A valid object with one to all of its fields broken: removed, given a wrong value, or repeated with
 * the wrong value last (JSON.parse keeps the last). Each broken field is a path the 422 must name.
 */
export function brokenObject(valid: fc.Arbitrary<Entries>, invalid: FieldArbs): fc.Arbitrary<Item> {
  const names = Object.keys(invalid);
  return fc
    .tuple(
      valid,
      fc.uniqueArray(fc.constantFrom(...names), { minLength: 1, maxLength: names.length }),
      fc.array(fc.constantFrom<Breakage>("missing", "wrong", "wrong", "repeated-wrong"), { minLength: names.length, maxLength: names.length }),
      fc.record(invalid),
    )
    .map(([base, broken, how, values]) => {
      let entries = [...base.entries];
      broken.forEach((name, i) => {
        const kind = how[i]!;
        if (kind === "missing") entries = entries.filter(([k]) => k !== name);
        else if (kind === "wrong") entries = entries.map(([k, v]) => [k, k === name ? values[name] : v] as const);
        else entries = [...entries, [name, values[name]] as const];
      });
      return { value: new Entries(entries), bad: broken.map((name) => [name]) };
    });
}

/** Something that is not an object where an object belongs: the whole item is named. */
export const notAnObject = (values: fc.Arbitrary<unknown>): fc.Arbitrary<Item> => values.map((value) => ({ value, bad: [[]] }));
