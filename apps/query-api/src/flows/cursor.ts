import { isStorableText } from "@tally/shared/schemas";
import { decodeCursorValues, encodeCursorValues } from "../opaque-cursor.js";

/** Where a cursor walk stands: the last key handed out, within one hour. */
export interface FlowKey {
  hour: number;
  srcApp: string;
  destApp: string;
  vpcId: string;
}

/** An opaque cursor for the key after which the next page starts. */
export function encodeCursor(key: FlowKey): string {
  return encodeCursorValues([key.hour, key.srcApp, key.destApp, key.vpcId]);
}

/** The key a cursor stands for, or undefined if it is not one of ours. */
export function decodeCursor(cursor: string): FlowKey | undefined {
  const [hour, srcApp, destApp, vpcId] = decodeCursorValues(cursor, 4) ?? [];
  if (!Number.isSafeInteger(hour) || typeof srcApp !== "string" || typeof destApp !== "string" || typeof vpcId !== "string") return undefined;
  if (![srcApp, destApp, vpcId].every(isStorableText)) return undefined;
  return { hour: hour as number, srcApp, destApp, vpcId };
}
