import { writeFile } from "node:fs/promises";
import { generateClientTypes } from "./client-types.js";

// `pnpm --filter @tally/client generate`: rewrites src/generated/ from the apps' built documents.
const root = new URL("../", import.meta.url);
for (const [file, text] of Object.entries(await generateClientTypes())) {
  await writeFile(new URL(file, root), text);
  console.log(`wrote packages/client/${file}`);
}
