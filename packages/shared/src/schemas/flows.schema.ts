import { z } from "zod";
import { orRequired } from "./field-errors.js";
import { isStorableText, STORABLE_TEXT } from "./storable-text.js";

export const MAX_FLOW_NAME_LENGTH = 255;

const name = z
  .string({ error: orRequired("must be a string") })
  .min(1, { error: "must not be empty" })
  .max(MAX_FLOW_NAME_LENGTH, { error: `must be at most ${MAX_FLOW_NAME_LENGTH} characters` })
  .refine(isStorableText, { error: STORABLE_TEXT });

const NON_NEGATIVE = "must be an integer from 0 to 2^53-1";
const nonNegative = z
  .number({ error: orRequired(NON_NEGATIVE) })
  .int({ error: NON_NEGATIVE, abort: true })
  .min(0, { error: NON_NEGATIVE })
  .max(Number.MAX_SAFE_INTEGER, { error: NON_NEGATIVE });

/** One flow record: bytes each way between two applications in a VPC during an hour. */
export const flowSchema = z.object({
  src_app: name,
  dest_app: name,
  vpc_id: name,
  bytes_tx: nonNegative,
  bytes_rx: nonNegative,
  hour: nonNegative,
});

export type Flow = z.infer<typeof flowSchema>;
