/** One bad field: where it is (`[3].amount`, `from`) and what is wrong with it. */
export interface FieldError {
  path: string;
  message: string;
}

/** An error that is an HTTP answer. The one error middleware turns it into problem+json (RFC 9457). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    /** `errors` for validation, `fields` for other RFC 9457 extension members, `headers` to send along. */
    readonly extra: { errors?: FieldError[]; fields?: Record<string, unknown>; headers?: Record<string, string> } = {},
  ) {
    super(detail);
    this.name = "HttpError";
  }

  get type(): string {
    return `urn:tally:problem:${this.title.toLowerCase().replaceAll(/[^a-z0-9]+/g, "-")}`;
  }

  toProblem(): Record<string, unknown> {
    const body: Record<string, unknown> = { type: this.type, title: this.title, status: this.status, detail: this.detail, ...this.extra.fields };
    if (this.extra.errors) body.errors = this.extra.errors;
    return body;
  }
}

export const malformedJson = (detail: string) => new HttpError(400, "Malformed JSON", detail);

/** Listing thousands of errors helps nobody; validation stops once it has found this many. */
export const MAX_LISTED_ERRORS = 100;

/**
 * 422 naming the bad fields. `stoppedEarly`: validation stopped at MAX_LISTED_ERRORS, so there may be
 * more; otherwise `errors` is every one (and the first MAX_LISTED_ERRORS are listed).
 */
export const validationFailed = (errors: FieldError[], { stoppedEarly = false } = {}) => {
  const count = `${stoppedEarly ? "at least " : ""}${errors.length} invalid field${errors.length === 1 ? "" : "s"}`;
  const listed = stoppedEarly ? " (validation stopped there)" : errors.length > MAX_LISTED_ERRORS ? ` (the first ${MAX_LISTED_ERRORS} are listed)` : "";
  return new HttpError(422, "Validation failed", `${count}${listed}: ${summarize(errors)}`, { errors: errors.slice(0, MAX_LISTED_ERRORS) });
};

export const payloadTooLarge = (detail: string) => new HttpError(413, "Payload too large", detail);

export const unsupportedMediaType = (contentType: string) =>
  new HttpError(415, "Unsupported media type", `expected JSON or NDJSON, got ${JSON.stringify(contentType)}`);

/** 401, with the challenge RFC 9110 asks for: `detail` says whether a key was missing or wrong. */
export const unauthorized = (detail: string) => new HttpError(401, "Unauthorized", detail, { headers: { "WWW-Authenticate": 'Bearer realm="tally"' } });

export const notFound = (detail: string) => new HttpError(404, "Not found", detail);

export const methodNotAllowed = (method: string, allow: string[]) =>
  new HttpError(405, "Method not allowed", `${method} is not allowed here; use ${allow.join(", ")}`, {
    headers: { Allow: allow.join(", ") },
  });

export const tooManyRequests = (detail: string, retryAfterSeconds = 2) =>
  new HttpError(429, "Too many requests", detail, { headers: { "Retry-After": String(retryAfterSeconds) } });

export const serviceUnavailable = (detail: string, retryAfterSeconds = 5) =>
  new HttpError(503, "Service unavailable", detail, { headers: { "Retry-After": String(retryAfterSeconds) } });

function summarize(errors: FieldError[]): string {
  const shown = errors.slice(0, 3).map((e) => `${e.path || "body"} ${e.message}`);
  return shown.join("; ") + (errors.length > 3 ? `; and ${errors.length - 3} more` : "");
}
