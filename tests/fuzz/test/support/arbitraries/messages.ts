import fc from "fast-check";
import { Raw, type Entries } from "../json-text.js";
import { UTF8_MARK } from "./envelopes.js";
import { brokenObject, notAnObject, validObject, type Item } from "./items.js";
import { badIntegerToken, extraFields, MAX_SAFE, nonNumber, nonString, sizedString, storableString, tooLongString, unstorableString } from "./values.js";

const FIELDS = ["customerId", "type", "amount", "uuid"];
const hex = (n: number) => fc.string({ unit: fc.constantFrom(..."0123456789abcdefABCDEF"), minLength: n, maxLength: n });

/** RFC 9562 UUIDs: versions 1–8 with the RFC variant, in any case, and the nil and max UUIDs. */
const validUuid: fc.Arbitrary<string> = fc.oneof(
  { weight: 9, arbitrary: fc.tuple(hex(8), hex(4), fc.integer({ min: 1, max: 8 }), hex(3), fc.constantFrom(..."89abAB"), hex(3), hex(12)).map(([a, b, v, c, r, d, e]) => `${a}-${b}-${v}${c}-${r}${d}-${e}`) },
  fc.constantFrom("00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff"),
);

const badUuid: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    "",
    "not-a-uuid",
    "a596b362-08be-419f-8070-9c3055566e7",
    "a596b362-08be-419f-8070-9c3055566e7cc",
    "a596b36208be419f80709c3055566e7c",
    "{a596b362-08be-419f-8070-9c3055566e7c}",
    "urn:uuid:a596b362-08be-419f-8070-9c3055566e7c",
    " a596b362-08be-419f-8070-9c3055566e7c",
    "a596b362-08be-419f-8070-9c3055566e7c\n",
    "a596b362_08be_419f_8070_9c3055566e7c",
  ),
  // A valid UUID with one character made impossible, one dropped, or one added.
  fc.tuple(validUuid, fc.nat(35), fc.constantFrom(..."ghijklmnopqrstuvwxyzG-_ .\u0000é"), fc.constantFrom("replace", "drop", "add")).map(([u, at, ch, how]) => {
    if (how === "drop") return u.slice(0, at) + u.slice(at + 1);
    if (how === "add") return u.slice(0, at) + ch + u.slice(at);
    return u.slice(0, at) + (u[at] === "-" ? "a" : ch === "-" ? "g" : ch) + u.slice(at + 1);
  }),
  nonString,
);

const badAmount: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom("1.2345", "1e3", " 1", "1 ", "-1", "+1", "1.", ".5", "", "0x10", "1,5", "\u0661\u0662", "\uff11", "1_000", "NaN", "Infinity", "1.2.3", "1\n", "0.0001", "1234567890123456"),
  fc.stringMatching(/^\d{16,30}(\.\d{1,3})?$/),
  fc.stringMatching(/^\d{1,15}\.\d{4,10}$/),
  fc.stringMatching(/^-\d{1,15}(\.\d{1,3})?$/),
  // A JSON number is never an amount, not even a whole one.
  fc.oneof(fc.nat(), fc.double({ noNaN: true, noDefaultInfinity: true })),
  nonString.filter((v) => typeof v !== "number"),
);

const validMessageFields = {
  customerId: fc.oneof(fc.nat(1_000_000), fc.constantFrom(0, MAX_SAFE), fc.maxSafeNat(), fc.constantFrom(new Raw("1e3"), new Raw("1.0"), new Raw("12E1"), new Raw("-0"))),
  type: fc.oneof(storableString(0, 128), sizedString(100, 128)),
  amount: fc.stringMatching(/^\d{1,15}(\.\d{1,3})?$/),
  uuid: validUuid,
};

const invalidMessageFields = {
  customerId: fc.oneof(badIntegerToken, nonNumber),
  type: fc.oneof(tooLongString(128), nonString),
  amount: badAmount,
  uuid: badUuid,
};

export const validMessage: fc.Arbitrary<Entries> = validObject(validMessageFields, extraFields(FIELDS, 300));

/** A message whose `type` holds U+0000 or a lone surrogate: valid by the field rules, unstorable in Postgres text. */
export const unstorableMessage: fc.Arbitrary<Entries> = validObject({ ...validMessageFields, type: unstorableString(128) }, extraFields(FIELDS, 300));

export const messageItems = {
  valid: validMessage.map((value): Item => ({ value, bad: [] })),
  invalid: fc.oneof(
    { weight: 6, arbitrary: brokenObject(validMessage, invalidMessageFields) },
    notAnObject(fc.oneof(fc.integer(), fc.string(), fc.constant(null), fc.boolean(), fc.array(fc.nat(), { maxLength: 2 }))),
  ),
  utf8Carrier: fc.tuple(validMessage, storableString(0, 20)).map(([m, prefix]): Item => ({ value: m.with("type", `${prefix}${UTF8_MARK}`), bad: [] })),
};
