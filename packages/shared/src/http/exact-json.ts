import type { Response } from "express";
import { z } from "zod";

/**
 * An integer that is sent as a JSON number with exactly these digits. A sum in Postgres (numeric)
 * can pass 2^53, which a JavaScript number cannot hold: it travels from the database to the wire
 * as its decimal string and is never a number in between. (JSON numbers have no size limit; a client
 * that reads them into doubles rounds them itself, which the API docs say.)
 */
export class ExactInteger {
  readonly digits: string;

  constructor(value: string | bigint | number) {
    const digits = String(value);
    if (!/^-?\d+$/.test(digits)) throw new TypeError(`not an integer: ${digits}`);
    this.digits = digits;
  }
}

/** The schema of an exact non-negative integer: in OpenAPI an integer; in examples a plain number does too. */
export const exactCount = z
  .custom<ExactInteger | number>((v) => (v instanceof ExactInteger ? !v.digits.startsWith("-") : Number.isSafeInteger(v) && (v as number) >= 0), {
    error: "must be a non-negative integer",
  })
  .meta({ type: "integer", minimum: 0, description: "exact, with as many digits as it has (past 2^53 too)" });

const MARK = "\u0000exact:";

/** JSON text of `value`, every ExactInteger in it written as a number with its own digits. */
export function exactJson(value: unknown): string {
  const digits: string[] = [];
  // Answers never hold U+0000 (ingest refuses it in every stored string), so the mark cannot collide.
  const text = JSON.stringify(value, (_key, v: unknown) => (v instanceof ExactInteger ? `${MARK}${digits.push(v.digits) - 1}` : v));
  return text.replaceAll(/"\\u0000exact:(\d+)"/g, (_, i: string) => digits[Number(i)]!);
}

/** Sends `body` as JSON with its exact integers (res.json would drop them, as objects with one field). */
export function sendExactJson(res: Response, body: unknown): void {
  res.type("application/json").send(exactJson(body));
}
