import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { ExpressAdapter } from "@bull-board/express";
import type { Queue } from "bullmq";
import express, { type Express } from "express";

/**
 * bull-board over Tally's queues: read-only unless actions are allowed, since retrying or cleaning
 * jobs from a browser is an operator's decision, not a default. Mounted at `/admin/queues`.
 */
export function createAdminBoard(queues: readonly Queue[], allowActions: boolean): Express {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath("/admin/queues");
  createBullBoard({
    queues: queues.map((queue) => new BullMQAdapter(queue, { readOnlyMode: !allowActions, allowRetries: allowActions })),
    serverAdapter,
    options: { uiConfig: { boardTitle: "Tally queues" } },
  });
  const app = express();
  app.disable("x-powered-by");
  app.use("/admin/queues", serverAdapter.getRouter() as express.Router);
  return app;
}
