import { z } from "zod";

/** Where a document keeps its named schemas, and so where every `$ref` points. */
export const COMPONENTS = "#/components/schemas/";
/** The stand-in id an unnamed schema gets for the one conversion; never seen outside it. */
const INLINE = "__inline";

type JsonSchema = Record<string, unknown>;

/**
 * The JSON Schema of each of a document's zod schemas, converted together by zod in one pass over a
 * registry of the document's own. A schema named with `.meta({ id })` becomes `components[id]` and is
 * `{ $ref: "#/components/schemas/<id>" }` wherever it is used; every other schema is inline. (One
 * toJSONSchema per schema would put named ones in a `$defs` of each schema, and its `#/$defs/…`
 * refs resolve against the document's root, which has none.)
 */
export function convertSchemas(schemas: Iterable<z.ZodType>): { of(schema: z.ZodType): JsonSchema; components: Record<string, JsonSchema> } {
  const registry = z.registry<{ id: string }>();
  const ids = new Map<z.ZodType, string>();
  for (const schema of schemas) {
    if (ids.has(schema)) continue;
    const id = z.globalRegistry.get(schema)?.id ?? `${INLINE}${ids.size}`;
    ids.set(schema, id);
    registry.add(schema, { id });
  }
  // io "input": a query parameter is what a client sends (a string), not what the route parses it into.
  const converted = z.toJSONSchema(registry, { uri: (id) => `${COMPONENTS}${id}`, io: "input", unrepresentable: "any" }).schemas;
  if (converted.__shared) {
    throw new Error("a schema with an id of its own is nested inside another, or a schema is recursive: OpenAPI components here are the schemas operations use directly");
  }
  const components: Record<string, JsonSchema> = {};
  const inline = new Map<string, JsonSchema>();
  for (const [id, schema] of Object.entries(converted)) {
    // Each entry comes as a document of its own, `$schema` and `$id` included: inside the OpenAPI document it is neither.
    const { $schema: _, $id: __, ...rest } = schema as JsonSchema;
    if (JSON.stringify(rest).includes(`"${COMPONENTS}${INLINE}`)) {
      throw new Error(`schema ${id.startsWith(INLINE) ? "" : `${id} `}uses a schema that is also an operation's own: name that one with .meta({ id })`);
    }
    if (id.startsWith(INLINE)) inline.set(id, rest);
    else components[id] = rest;
  }
  return {
    of(schema) {
      const id = ids.get(schema);
      if (id === undefined) throw new Error("schema was not converted with the document's others");
      // A copy each time: a schema used by several operations is not one object that a consumer could edit for all.
      return id.startsWith(INLINE) ? structuredClone(inline.get(id)!) : { $ref: `${COMPONENTS}${id}` };
    },
    components,
  };
}
