import { MAX_LISTED_ERRORS, toFieldErrors, validationFailed, type FieldError } from "@tally/shared/http";
import type { Request } from "express";
import type { z } from "zod";
import { cpuPacer } from "./cpu-turns.js";
import { parseItems, type ItemLimits, type ParsedBody } from "./parse-items.js";
import { bodyFormat } from "./read-json-body.js";

/**
 * Every item valid, or a 422 naming the bad fields, by item index when the body was a list: one bad
 * item rejects the whole request. Validation stops once MAX_LISTED_ERRORS fields are wrong (a body of a
 * million bad items costs what a hundred do), and yields to the event loop every few milliseconds.
 */
async function validateItems<S extends z.ZodType>(schema: S, { batch, slices }: ParsedBody, noun: string): Promise<z.output<S>[]> {
  const valid: z.output<S>[] = [];
  const errors: FieldError[] = [];
  let index = 0;
  const pace = cpuPacer();
  for await (const slice of slices) {
    for (const item of slice) {
      const result = schema.safeParse(item);
      if (result.success) valid.push(result.data);
      else errors.push(...toFieldErrors(result.error.issues, batch ? [index] : []));
      if (errors.length >= MAX_LISTED_ERRORS) throw validationFailed(errors, { stoppedEarly: true });
      index++;
    }
    await pace();
  }
  if (errors.length > 0) throw validationFailed(errors);
  if (index === 0) throw validationFailed([{ path: "", message: `must contain at least one ${noun}` }]);
  return valid;
}

/**
 * The valid items of a request whose body `readJsonBody` read: parsed and validated a slice at a time
 * (see `parseItems`, `validateItems`). `arrayOnly`: a body that is not a list is a 422.
 */
export async function readValidItems<S extends z.ZodType>(req: Request, schema: S, limits: ItemLimits, { arrayOnly = false } = {}): Promise<z.output<S>[]> {
  const parsed = parseItems(req.body as Buffer, bodyFormat(req.headers["content-type"]) ?? "json", limits);
  if (arrayOnly && !parsed.batch) {
    // Malformed JSON is a 400 whatever its shape: parse the one value before saying it is not a list.
    for await (const _ of parsed.slices);
    throw validationFailed([{ path: "", message: `must be a JSON array of ${limits.noun}s` }]);
  }
  return validateItems(schema, parsed, limits.noun);
}
