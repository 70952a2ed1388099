import { z } from "zod";
import { orRequired } from "./field-errors.js";
import { isStorableText, STORABLE_TEXT } from "./storable-text.js";

/** Digits, optionally a point and 1–3 decimals, at most 15 integer digits: never a float, never negative. */
export const AMOUNT_PATTERN = /^\d{1,15}(\.\d{1,3})?$/;

const CUSTOMER_ID = "must be an integer from 0 to 2^53-1";

export const messageSchema = z.object({
  customerId: z
    .number({ error: orRequired(CUSTOMER_ID) })
    .int({ error: CUSTOMER_ID, abort: true })
    .min(0, { error: CUSTOMER_ID })
    .max(Number.MAX_SAFE_INTEGER, { error: CUSTOMER_ID }),
  type: z
    .string({ error: orRequired("must be a string") })
    .max(128, { error: "must be at most 128 characters" })
    .refine(isStorableText, { error: STORABLE_TEXT }),
  amount: z
    .string({ error: orRequired('must be a string such as "12.345"') })
    .regex(AMOUNT_PATTERN, { error: "must be digits with at most 15 before and 3 after the point" }),
  uuid: z.uuid({ error: orRequired("must be an RFC 9562 UUID") }),
});

/** A usage message as posted; unknown fields are dropped. */
export type Message = z.infer<typeof messageSchema>;
