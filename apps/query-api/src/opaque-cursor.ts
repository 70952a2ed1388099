/** A cursor's values as opaque text (JSON, then base64url), the way every paged route hands them out. */
export function encodeCursorValues(values: readonly unknown[]): string {
  return Buffer.from(JSON.stringify(values)).toString("base64url");
}

/** The `length` values a cursor stands for, or undefined if it is not such a cursor; the caller checks their types. */
export function decodeCursorValues(cursor: string, length: number): unknown[] | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    return Array.isArray(value) && value.length === length ? (value as unknown[]) : undefined;
  } catch {
    return undefined;
  }
}
