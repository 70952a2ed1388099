import { formatPath, malformedJson, toFieldErrors, type FieldError } from "@tally/shared/http";
import { PRODUCT_ID_RULE, productSchema } from "@tally/shared/schemas";
import { isExactSafeInteger, scanJsonbText } from "./jsonb-text.js";

const productIdSchema = productSchema.shape.id;

/**
 * One product's verdict, from its exact JSON text: 400 (thrown) if it is not JSON; otherwise the
 * fields that make it invalid (no usable `id`, or anything Postgres jsonb would refuse), none if it
 * will be stored exactly as posted. What is accepted here can always be applied later.
 */
export function checkProduct(text: string, position: number): FieldError[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw malformedJson(`product [${position}] is not valid JSON: ${(error as Error).message}`);
  }
  // Only the id has a rule: an object's id is checked alone, which spares zod copying every other
  // field of the loose object (a tenth of the route's time); anything else gets the whole schema's words.
  if (typeof value !== "object" || value === null || Array.isArray(value)) return toFieldErrors(productSchema.safeParse(value).error?.issues ?? [], [position]);
  const { id } = value as { id?: unknown };
  const checked = productIdSchema.safeParse(id);
  if (!checked.success) return toFieldErrors(checked.error.issues, [position, "id"]);
  const scan = scanJsonbText(text);
  if (scan.problem) {
    // Found cheaply; named by a second, slower pass that keeps track of where it is.
    const { message, path = [] } = scanJsonbText(text, true).problem ?? scan.problem;
    return [{ path: formatPath([position, ...path]), message }];
  }
  // A numeric id is its exact value, not its nearest double (which 9007199254740990.5 would round to).
  if (typeof id === "number" && !isExactSafeInteger(scan.idNumber ?? "")) {
    return [{ path: formatPath([position, "id"]), message: PRODUCT_ID_RULE }];
  }
  return [];
}
