/**
 * The scheduler of xmc serve with a stand-in for the worker pool (tasks answered when the test
 * says): a request starts at once when every worker is idle; while a worker is busy, small
 * requests wait for an idle one until their texts reach the busy worker's share, or maxWaitMs;
 * large requests are chunked and take turns with small batches; the queue is bounded.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Overloaded, Scheduler } from "../../src/serve/scheduler.js";
import type { PredictResult, PredictTask } from "../../src/serve/predict-worker.js";

/** Stand-in workers; a task is answered when the test calls its finish(), each text's "prediction" being the text itself. */
function fakePool(size = 2) {
  const tasks: { texts: string[]; finish: () => void }[] = [];
  const runner = {
    size,
    run(task: PredictTask): Promise<PredictResult> {
      return new Promise((resolve) => tasks.push({ texts: task.texts, finish: () => {
          const pieces: string[] = [];
          for (let at = 0, i = 0; i < task.parts.length; at += task.parts[i++]) pieces.push(task.texts.slice(at, at + task.parts[i]).map((t) => JSON.stringify(t)).join(","));
          resolve({ pieces });
        } }));
    },
  };
  return { runner, tasks };
}

const tick = () => new Promise((r) => setImmediate(r));
const opts = { maxBatch: 8, chunk: 4, maxQueued: 40, maxWaitMs: 50 };

test("with every worker idle a request starts at once; small ones then wait for a fair share", async () => {
  const { runner, tasks } = fakePool();
  const s = new Scheduler(runner, opts);
  const first = s.submit(["a", "b", "c"], {});
  assert.deepEqual(tasks.map((t) => t.texts), [["a", "b", "c"]]);
  // one worker busy with 3 texts: the idle one waits until 3 texts wait
  const more = [s.submit(["d"], {}), s.submit(["e"], {})];
  assert.equal(tasks.length, 1);
  more.push(s.submit(["f"], {}));
  assert.deepEqual(tasks.map((t) => t.texts), [["a", "b", "c"], ["d", "e", "f"]]);
  tasks[0].finish();
  assert.deepEqual(await first, ['"a","b","c"']);
  tasks[1].finish();
  assert.deepEqual(await Promise.all(more), [['"d"'], ['"e"'], ['"f"']]);
  await s.idle();
});

test("a lone small request does not wait longer than maxWaitMs for company", async () => {
  const { runner, tasks } = fakePool();
  const s = new Scheduler(runner, { ...opts, maxWaitMs: 5 });
  const busy = s.submit(["a", "b", "c", "d"], {});
  const lone = s.submit(["x"], {});
  assert.equal(tasks.length, 1);
  await new Promise((r) => setTimeout(r, 30));
  assert.deepEqual(tasks.map((t) => t.texts), [["a", "b", "c", "d"], ["x"]]);
  tasks[1].finish();
  assert.deepEqual(await lone, ['"x"']);
  tasks[0].finish();
  await busy;
});

test("when the busy worker finishes, what waits starts on the free workers", async () => {
  const { runner, tasks } = fakePool();
  const s = new Scheduler(runner, opts);
  const busy = s.submit(["a", "b", "c", "d"], {});
  const waiting = [s.submit(["x"], {}), s.submit(["y"], { topK: 2 })];
  assert.equal(tasks.length, 1);
  tasks[0].finish();
  await busy;
  await tick();
  // different options are not merged: two tasks, one per worker
  assert.deepEqual(tasks.slice(1).map((t) => t.texts), [["x"], ["y"]]);
  tasks[1].finish();
  tasks[2].finish();
  assert.deepEqual(await Promise.all(waiting), [['"x"'], ['"y"']]);
});

test("a large request is cut into chunks that take turns with small batches; answers stay in order", async () => {
  const { runner, tasks } = fakePool(1);
  const s = new Scheduler(runner, opts);
  const texts = Array.from({ length: 10 }, (_, i) => `t${i}`);
  const big = s.submit(texts, {});
  const small = s.submit(["s"], {});
  const order: string[][] = [];
  while (order.length < 4) {
    await tick();
    const t = tasks[order.length];
    order.push(t.texts);
    t.finish();
  }
  assert.deepEqual(order, [["t0", "t1", "t2", "t3"], ["s"], ["t4", "t5", "t6", "t7"], ["t8", "t9"]]);
  assert.deepEqual(await big, ['"t0","t1","t2","t3"', '"t4","t5","t6","t7"', '"t8","t9"']);
  assert.deepEqual(await small, ['"s"']);
});

test("beyond maxQueued waiting texts a request is refused as Overloaded", async () => {
  const { runner, tasks } = fakePool(1);
  const s = new Scheduler(runner, opts);
  const running = s.submit(Array.from({ length: 4 }, () => "a"), {});
  const queued = s.submit(Array.from({ length: 40 }, () => "b"), {});
  await assert.rejects(s.submit(["c"], {}), Overloaded);
  while (tasks.some((t) => t)) {
    const t = tasks.shift()!;
    t.finish();
    await tick();
  }
  await running;
  assert.equal(JSON.parse(`[${(await queued).join(",")}]`).length, 40);
});
