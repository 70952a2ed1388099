import fc from "fast-check";
import { Raw, type Entries } from "../json-text.js";
import { UTF8_MARK } from "./envelopes.js";
import { brokenObject, notAnObject, validObject, type Item } from "./items.js";
import { badIntegerToken, extraFields, MAX_SAFE, nonNumber, nonString, sizedString, storableString, tooLongString, unstorableString } from "./values.js";

const NAMES = ["src_app", "dest_app", "vpc_id"] as const;
const FIELDS = [...NAMES, "bytes_tx", "bytes_rx", "hour"];

const name = fc.oneof({ weight: 4, arbitrary: storableString(1, 40) }, sizedString(200, 255));
const bytes = fc.oneof(fc.nat(1_000_000), fc.constantFrom(0, MAX_SAFE), fc.maxSafeNat(), fc.constant(new Raw("1e3")));
const badName = fc.oneof(fc.constant(""), tooLongString(255, 3000), nonString);
const badInteger = fc.oneof(badIntegerToken, nonNumber);

const validFlowFields = { src_app: name, dest_app: name, vpc_id: name, bytes_tx: bytes, bytes_rx: bytes, hour: bytes };
export const validFlow: fc.Arbitrary<Entries> = validObject(validFlowFields, extraFields(FIELDS, 300));

/** A flow with U+0000 or a lone surrogate in one of its names. */
export const unstorableFlow: fc.Arbitrary<Entries> = fc
  .tuple(validFlow, fc.constantFrom(...NAMES), unstorableString(255).filter((s) => s.length > 0))
  .map(([flow, field, bad]) => flow.with(field, bad));

export const flowItems = {
  valid: validFlow.map((value): Item => ({ value, bad: [] })),
  invalid: fc.oneof(
    { weight: 6, arbitrary: brokenObject(validFlow, { src_app: badName, dest_app: badName, vpc_id: badName, bytes_tx: badInteger, bytes_rx: badInteger, hour: badInteger }) },
    notAnObject(fc.oneof(fc.integer(), fc.string(), fc.constant(null), fc.array(fc.nat(), { maxLength: 2 }))),
  ),
  utf8Carrier: fc.tuple(validFlow, storableString(0, 20)).map(([f, prefix]): Item => ({ value: f.with("src_app", `${prefix}${UTF8_MARK}`), bad: [] })),
};
