import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["**/dist/**", "**/node_modules/**", "**/.turbo/**", "**/coverage/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
    },
  },
  {
    // Ingest validates and enqueues; the rollups and their ledgers are the worker's to write and the
    // query API's to read. Naming one of their tables in ingest's code is the first step across that line.
    files: ["apps/ingest-api/src/**/*.ts"],
    rules: {
      "no-restricted-syntax": [
        "error",
        ...["Literal[value=", "TemplateElement[value.raw="].map((node) => ({
          selector: `${node}/\\b(message_rollup|message_ledger|counter_job_ledger|domain_minute|domain_hour|flow_job_ledger|flow_rollup|flow_hour_keys|fold_watermarks)\\b/]`,
          message: "ingest-api never touches the rollups or their ledgers: they are the aggregator worker's to write and the query API's to read",
        })),
      ],
    },
  },
  {
    // Configuration is read once, by loadConfig, from the env a process's main.ts hands it.
    files: ["apps/*/src/**/*.ts", "packages/shared/src/**/*.ts"],
    ignores: ["**/main.ts", "**/migrate-cli.ts", "**/*.test.ts"],
    rules: {
      "no-restricted-properties": ["error", { object: "process", property: "env", message: "read configuration through loadConfig" }],
    },
  },
);
