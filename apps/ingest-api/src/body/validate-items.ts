import { toFieldErrors, validationFailed, type FieldError } from "@tally/shared/http";
import type { z } from "zod";

/**
 * Every item valid, or a 422 naming every bad field, by item index when the body was a list:
 * one bad item rejects the whole request.
 */
export function validateItems<S extends z.ZodType>(schema: S, items: unknown[], batch: boolean, noun: string): z.output<S>[] {
  if (items.length === 0) throw validationFailed([{ path: "", message: `must contain at least one ${noun}` }]);
  const valid: z.output<S>[] = [];
  const errors: FieldError[] = [];
  for (const [index, item] of items.entries()) {
    const result = schema.safeParse(item);
    if (result.success) valid.push(result.data);
    else errors.push(...toFieldErrors(result.error.issues, batch ? [index] : []));
  }
  if (errors.length > 0) throw validationFailed(errors);
  return valid;
}
