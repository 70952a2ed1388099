import { collectDefaultMetrics, Registry } from "prom-client";

/** A registry per app (not prom-client's global one) so several apps can live in one test process. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}
