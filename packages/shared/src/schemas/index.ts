export * from "./messages.schema.js";
export * from "./counters.schema.js";
export * from "./storable-text.js";
export * from "./field-errors.js";
export * from "./flows.schema.js";
export * from "./products.schema.js";
