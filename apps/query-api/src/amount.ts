import { Decimal } from "decimal.js";

/** An exact decimal from Postgres NUMERIC (a string) as the API shows it: always 3 decimals. */
export function formatAmount(numeric: string): string {
  return new Decimal(numeric).toFixed(3);
}
