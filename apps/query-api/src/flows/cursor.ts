import { isStorableText } from "@tally/shared/schemas";

/** Where a cursor walk stands: the last key handed out, within one hour. */
export interface FlowKey {
  hour: number;
  srcApp: string;
  destApp: string;
  vpcId: string;
}

/** An opaque cursor for the key after which the next page starts. */
export function encodeCursor(key: FlowKey): string {
  return Buffer.from(JSON.stringify([key.hour, key.srcApp, key.destApp, key.vpcId])).toString("base64url");
}

/** The key a cursor stands for, or undefined if it is not one of ours. */
export function decodeCursor(cursor: string): FlowKey | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (!Array.isArray(value) || value.length !== 4) return undefined;
    const [hour, srcApp, destApp, vpcId] = value as unknown[];
    if (!Number.isSafeInteger(hour) || typeof srcApp !== "string" || typeof destApp !== "string" || typeof vpcId !== "string") return undefined;
    if (![srcApp, destApp, vpcId].every(isStorableText)) return undefined;
    return { hour: hour as number, srcApp, destApp, vpcId };
  } catch {
    return undefined;
  }
}
