import { isStorableText, MAX_PRODUCT_ID_LENGTH, STORABLE_TEXT } from "@tally/shared/schemas";
import { z } from "zod";

/** `:id` as ingest accepts it: the string, or the integer in decimal (`/v1/products/1` is 1 and "1"). */
export const productParams = z.object({
  id: z
    .string()
    .min(1)
    .max(MAX_PRODUCT_ID_LENGTH, { error: `must be at most ${MAX_PRODUCT_ID_LENGTH} characters` })
    .refine(isStorableText, { error: STORABLE_TEXT }),
});

/** The answer: the product's current document, its id as posted, and when that body was accepted. */
export const productResponse = z.object({
  id: z.union([z.string(), z.int()]),
  data: z.looseObject({}),
  updatedAt: z.iso.datetime(),
});
