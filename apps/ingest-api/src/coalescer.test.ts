import { describe, expect, it } from "vitest";
import { createCoalescer } from "./coalescer.js";

/** An addJob whose adds stay in flight until released, recording what each job held. */
function slowRedis() {
  const jobs: { key: string; events: number[] }[] = [];
  const releases: (() => void)[] = [];
  const addJob = (events: number[], key: string) =>
    new Promise<void>((resolve) => {
      jobs.push({ key, events: [...events] });
      releases.push(resolve);
    });
  // Completes every add in flight, then lets the coalescer send what gathered meanwhile.
  const releaseAll = async () => {
    while (releases.length > 0) releases.shift()!();
    for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
  };
  return { jobs, addJob, releaseAll };
}

const tick = () => new Promise((r) => setImmediate(r));

describe("createCoalescer", () => {
  it("sends a lone request at once, as its own job", async () => {
    const redis = slowRedis();
    const coalescer = createCoalescer<number>({ addJob: redis.addJob });
    const done = coalescer.add([1, 2]);
    await tick();
    expect(redis.jobs).toEqual([{ key: "", events: [1, 2] }]);
    await redis.releaseAll();
    await done;
  });

  it("gathers requests arriving while adds are in flight into one job, keeping each request whole", async () => {
    const redis = slowRedis();
    const coalescer = createCoalescer<number>({ addJob: redis.addJob, maxInFlight: 1, maxEvents: 5 });
    const first = coalescer.add([0]);
    await tick(); // in flight: [0]
    const rest = [coalescer.add([1, 2]), coalescer.add([3, 4]), coalescer.add([5, 6, 7]), coalescer.add([8])];
    await tick();
    expect(redis.jobs).toHaveLength(1);
    for (let i = 0; i < 3; i++) await redis.releaseAll();
    await Promise.all([first, ...rest]);
    // [1,2]+[3,4] fill 4 of 5; [5,6,7] would not fit, so it starts the next job; [8] fits the first.
    expect(redis.jobs.map((j) => j.events)).toEqual([[0], [1, 2, 3, 4, 8], [5, 6, 7]]);
  });

  it("never puts events of different keys in one job", async () => {
    const redis = slowRedis();
    const coalescer = createCoalescer<number>({ addJob: redis.addJob, maxInFlight: 1 });
    const all = [coalescer.add([1], "13:00"), coalescer.add([2], "14:00"), coalescer.add([3], "13:00")];
    for (let i = 0; i < 3; i++) {
      await tick();
      await redis.releaseAll();
    }
    await Promise.all(all);
    expect(redis.jobs).toEqual([
      { key: "13:00", events: [1, 3] },
      { key: "14:00", events: [2] },
    ]);
  });

  it("answers a request only once its job is in Redis, and fails every request of a failed job", async () => {
    let fail = true;
    const coalescer = createCoalescer<number>({
      addJob: async () => {
        if (fail) throw new Error("redis went away");
      },
      maxInFlight: 1,
    });
    const results = await Promise.allSettled([coalescer.add([1]), coalescer.add([2])]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    fail = false;
    await expect(coalescer.add([3])).resolves.toBeUndefined();
  });
});
