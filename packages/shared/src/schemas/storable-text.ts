/** What Postgres text cannot hold, though JSON strings can: U+0000, and unpaired surrogates. */
export const STORABLE_TEXT = "must not contain U+0000 or an unpaired surrogate";

/** Whether Postgres can store the string as text (and jsonb) unchanged. */
export function isStorableText(text: string): boolean {
  return !text.includes("\u0000") && text.isWellFormed();
}
