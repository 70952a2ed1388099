import { driveFreshness } from "./drive-freshness.js";
import { driveLoad } from "./drive-load.js";
import { driveProducts } from "./drive-products.js";
import type { DriverTasks } from "./driver.js";

/** Entry of the load driver process: runs the tasks driver.ts sends, one at a time, in order. */
const tasks: { [T in keyof DriverTasks]: (input: DriverTasks[T][0]) => Promise<DriverTasks[T][1]> } = {
  load: driveLoad,
  freshness: driveFreshness,
  products: driveProducts,
};

let queue = Promise.resolve();
process.on("message", ({ id, task, input }: { id: number; task: keyof DriverTasks; input: never }) => {
  queue = queue.then(async () => {
    try {
      process.send?.({ id, result: await tasks[task](input) });
    } catch (error) {
      process.send?.({ id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    }
  });
});
// The parent going away ends the driver too.
process.on("disconnect", () => process.exit(0));
