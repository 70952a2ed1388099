import { z } from "zod";

export const MAX_PRODUCT_ID_LENGTH = 512;

/**
 * One product of a catalogue update: an object with an `id` (a string, or an integer that JSON can
 * carry exactly) and any other fields, kept as posted. `"1"` and `1` name the same product.
 */
export const PRODUCT_ID_RULE = `must be a string of 1 to ${MAX_PRODUCT_ID_LENGTH} characters or an integer from -(2^53-1) to 2^53-1, written exactly`;
const ID = PRODUCT_ID_RULE;

export const productSchema = z.looseObject({
  id: z.union([z.string().min(1, { error: ID }).max(MAX_PRODUCT_ID_LENGTH, { error: ID }), z.int({ error: ID })], {
    error: (issue) => (issue.input === undefined ? "is required" : ID),
  }),
});

export type Product = z.infer<typeof productSchema>;
