import type { Migration } from "kysely";
import * as m0001 from "./0001-messages.js";
import * as m0002 from "./0002-counters.js";
import * as m0003 from "./0003-flows.js";
import * as m0004 from "./0004-products.js";
import * as m0005 from "./0005-message-ledger-retention.js";
import * as m0006 from "./0006-fold-watermarks.js";
import * as m0007 from "./0007-partition-by-time.js";
import * as m0008 from "./0008-exact-sums.js";
import * as m0009 from "./0009-upload-outcomes.js";
import * as m0010 from "./0010-failed-jobs-in-watermarks.js";
import * as m0011 from "./0011-quarter-hour-messages.js";
import * as m0012 from "./0012-message-hour-keys.js";
import * as m0013 from "./0013-lz4-staging.js";

/** Every migration in order. Files are never edited once landed: add a new one. */
export const migrations: Record<string, Migration> = {
  "0001-messages": m0001,
  "0002-counters": m0002,
  "0003-flows": m0003,
  "0004-products": m0004,
  "0005-message-ledger-retention": m0005,
  "0006-fold-watermarks": m0006,
  "0007-partition-by-time": m0007,
  "0008-exact-sums": m0008,
  "0009-upload-outcomes": m0009,
  "0010-failed-jobs-in-watermarks": m0010,
  "0011-quarter-hour-messages": m0011,
  "0012-message-hour-keys": m0012,
  "0013-lz4-staging": m0013,
};
