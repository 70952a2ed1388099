/**
 * A field's error message for zod, unless the field is missing: then "is required", which says what to
 * fix where "must be an RFC 9562 UUID" would send the client looking at a value it never sent.
 */
export function orRequired(message: string): (issue: { input?: unknown }) => string {
  return (issue) => (issue.input === undefined ? "is required" : message);
}
