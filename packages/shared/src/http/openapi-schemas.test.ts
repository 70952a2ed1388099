import { describe, expect, it } from "vitest";
import { z } from "zod";
import { convertSchemas } from "./openapi-schemas.js";

const named = z.object({ n: z.int() }).meta({ id: "NamedForTest" });

describe("convertSchemas", () => {
  it("makes a named schema a component, referenced where it is used, and keeps the others inline", () => {
    const body = z.object({ amount: z.string() });
    const schemas = convertSchemas([named, body, named]);
    expect(schemas.components).toEqual({ NamedForTest: { type: "object", properties: { n: expect.objectContaining({ type: "integer" }) }, required: ["n"] } });
    expect(schemas.of(named)).toEqual({ $ref: "#/components/schemas/NamedForTest" });
    expect(schemas.of(body)).toEqual({ type: "object", properties: { amount: { type: "string" } }, required: ["amount"] });
  });

  it("keeps the JSON Schema a schema's .meta gives it (an exact integer stays an integer)", () => {
    const exact = z.custom<number>(() => true).meta({ type: "integer", minimum: 0 });
    const page = z.object({ total: exact });
    expect(convertSchemas([page]).of(page)).toMatchObject({ properties: { total: { type: "integer", minimum: 0 } } });
  });

  it("finds a named schema inside another, and refers to it there too", () => {
    const body = z.union([named, z.array(named)]);
    const schemas = convertSchemas([body]);
    expect(Object.keys(schemas.components)).toEqual(["NamedForTest"]);
    expect(schemas.of(body)).toEqual({ anyOf: [{ $ref: "#/components/schemas/NamedForTest" }, { type: "array", items: { $ref: "#/components/schemas/NamedForTest" } }] });
  });

  it("refuses an operation's own schema used inside another operation's, which would be a $ref to nothing", () => {
    const item = z.object({ id: z.string() });
    expect(() => convertSchemas([item, z.array(item)])).toThrow(/name that one with \.meta\(\{ id \}\)/);
  });
});
