import { z } from "zod";

/** Where a document keeps its named schemas, and so where every `$ref` points. */
const COMPONENTS = "#/components/schemas/";
/** The stand-in id an unnamed schema gets for the one conversion; never seen outside it. */
const INLINE = "__inline";

type JsonSchema = Record<string, unknown>;

/** How zod converts for a document. io "input": a query parameter is what a client sends (a string), not what the route parses it into. */
const OPTIONS = { io: "input", unrepresentable: "any" } as const;

/**
 * The JSON Schema of each of a document's zod schemas, converted together by zod in one pass over a
 * registry of the document's own. A schema named with `.meta({ id })`, at the top of an operation's
 * schema or anywhere inside it, becomes `components[id]` and is `{ $ref: "#/components/schemas/<id>" }`
 * wherever it is used; every other schema is inline. (One toJSONSchema per schema would put named
 * ones in a `$defs` of each, and their `#/$defs/…` refs resolve against the document's root, which has none.)
 */
export function convertSchemas(schemas: Iterable<z.ZodType>): { of(schema: z.ZodType): JsonSchema; components: Record<string, JsonSchema> } {
  const registry = z.registry<{ id: string }>();
  const ids = new Map<z.ZodType, string>();
  const add = (schema: z.ZodType, id: string) => {
    if (ids.has(schema)) return;
    ids.set(schema, id);
    registry.add(schema, { id });
  };
  const used = [...schemas];
  for (const schema of namedWithin(used)) add(schema, z.globalRegistry.get(schema)!.id!);
  for (const schema of used) add(schema, `${INLINE}${ids.size}`);
  const converted = z.toJSONSchema(registry, { ...OPTIONS, uri: (id) => `${COMPONENTS}${id}` }).schemas;
  if (converted.__shared) throw new Error("a schema is recursive without an id: name it with .meta({ id }) so that it can refer to itself");
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

/** Every schema with an id in the global registry (`.meta({ id })`) among `schemas` and inside them, found by letting zod walk them. */
function namedWithin(schemas: readonly z.ZodType[]): Set<z.ZodType> {
  const named = new Set<z.ZodType>();
  const override = ({ zodSchema }: { zodSchema: unknown }) => {
    if (z.globalRegistry.get(zodSchema as z.ZodType)?.id !== undefined) named.add(zodSchema as z.ZodType);
  };
  for (const schema of schemas) z.toJSONSchema(schema, { ...OPTIONS, override });
  return named;
}
