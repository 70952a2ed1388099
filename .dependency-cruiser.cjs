// The layering Tally is built on, checked by `pnpm lint` (depcruise): apps stand on packages, never on
// each other; packages never on apps; the query API never on queue code (Redis only to look up a
// pending upload, from one file); the benchmark and the test
// suites only through packages' public exports. tests/architecture shows each rule catching a violation.
/** @type {import("dependency-cruiser").IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "app-on-another-app",
      comment: "An app is deployed on its own: what two apps share belongs in packages/shared.",
      severity: "error",
      from: { path: "^apps/([^/]+)/" },
      to: { path: "^apps/", pathNot: "^apps/$1/" },
    },
    {
      name: "package-on-an-app",
      comment:
        "Packages are what apps stand on; an app is never a library. One exception: @tally/client's " +
        "generator reads the apps' OpenAPI documents (their `./openapi` export), which is what the client is " +
        "generated from; the client itself depends on no app.",
      severity: "error",
      from: { path: "^packages/", pathNot: "^packages/client/scripts/" },
      to: { path: "^apps/" },
    },
    {
      name: "query-api-loads-queue-code",
      comment:
        "The query API reads Postgres, and Redis for one thing only: whether a small products upload is " +
        "still queued (products/pending-uploads.ts, one HGET; main.ts opens its connection). Nothing else it " +
        "loads, directly or through packages/shared, may be BullMQ or ioredis, and nothing at all BullMQ.",
      severity: "error",
      from: { path: "^apps/query-api/(src|dashboard-ui)/", pathNot: "^apps/query-api/src/(main|products/pending-uploads)\\.ts$" },
      to: { path: "(^|/)node_modules/(bullmq|ioredis)/", reachable: true },
    },
    {
      name: "query-api-loads-bullmq",
      comment: "The query API never loads BullMQ: it cannot add, move or remove a job.",
      severity: "error",
      from: { path: "^apps/query-api/(src|dashboard-ui)/" },
      to: { path: "(^|/)node_modules/bullmq/", reachable: true },
    },
    {
      name: "reaching-into-a-workspace",
      comment:
        "The benchmark and the test suites use packages by their names and public exports " +
        "(@tally/shared/db, @tally/aggregator-worker/folds), never by a relative path into their files.",
      severity: "error",
      from: { path: "^(bench|tests)/" },
      to: { path: "^(apps|packages)/", dependencyTypes: ["local"] },
    },
    {
      name: "no-circular",
      comment: "A cycle makes the order modules load in matter, and hides which one is the lower layer.",
      severity: "error",
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(dist|\\.turbo|coverage)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.base.json" },
    // Workspace packages resolve as node does at run time and TypeScript does when checking: by their
    // `exports`, the `types` condition first, so @tally/shared/db is packages/shared/src/db/index.ts.
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["types", "import", "default"],
      extensions: [".ts", ".js", ".mjs", ".cjs", ".json"],
    },
  },
};
