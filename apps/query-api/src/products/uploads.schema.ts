import { z } from "zod";

/** The answer: where an accepted upload stands. `pending` until a worker applies it or gives up on it. */
export const uploadStatusResponse = z
  .object({
    id: z.uuid(),
    status: z.enum(["pending", "applied", "failed"]),
    products: z.int().min(1).meta({ description: "products in the body" }),
    acceptedAt: z.iso.datetime(),
    appliedAt: z.iso.datetime().nullable(),
    failedAt: z.iso.datetime().nullable(),
    reason: z.string().nullable().meta({ description: "why it could not be applied; its body may be sent again" }),
  })
  .meta({ id: "UploadStatus" });

export type UploadStatus = z.infer<typeof uploadStatusResponse>;
