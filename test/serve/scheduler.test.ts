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

/**
 * `clients` clients that each send a one-text request again as soon as theirs is answered;
 * the oldest running task is finished `steps` times. Returns the texts per task, in order.
 */
async function closedLoop(s: Scheduler, tasks: { texts: string[]; finish: () => void }[], clients: number, steps: number, stop = { now: false }): Promise<number[]> {
  const client = (c: number): void => {
    void s.submit([`c${c}`], {}).then(() => {
      if (!stop.now) client(c);
    });
  };
  for (let c = 0; c < clients; c++) client(c);
  let done = 0;
  for (let i = 0; i < steps; i++) {
    await tick();
    tasks[done++].finish();
  }
  await tick();
  return tasks.map((t) => t.texts.length);
}

test("one client: every request starts at once, alone", async () => {
  const { runner, tasks } = fakePool();
  const s = new Scheduler(runner, { ...opts, maxWaitMs: 1000 });
  const sizes = await closedLoop(s, tasks, 1, 20);
  assert.ok(sizes.length > 20);
  assert.ok(sizes.every((n) => n === 1));
});

test("ten clients on two workers: batches of about five texts, not a stream of one-text tasks", async () => {
  const { runner, tasks } = fakePool();
  const s = new Scheduler(runner, { ...opts, maxWaitMs: 1000 });
  const sizes = (await closedLoop(s, tasks, 10, 60)).slice(20);
  const mean = sizes.reduce((a, b) => a + b, 0) / sizes.length;
  assert.ok(sizes.every((n) => n >= 3), `sizes ${sizes}`);
  assert.ok(mean >= 4 && mean <= 8, `mean ${mean}`);
});

test("a lone small request does not wait longer than maxWaitMs for company", async () => {
  const { runner, tasks } = fakePool();
  const s = new Scheduler(runner, { ...opts, maxWaitMs: 5 });
  // recent traffic of ten clients, then quiet
  const stop = { now: false };
  await closedLoop(s, tasks, 10, 20, stop);
  stop.now = true;
  for (let i = 0; s.stats.inFlight > 0 || s.stats.queuedTexts > 0; ) {
    while (i < tasks.length) tasks[i++].finish();
    await new Promise((r) => setTimeout(r, 10));
  }
  // a request alone now: it waits for company, but not longer than maxWaitMs
  const n = tasks.length;
  const lone = s.submit(["x"], {});
  assert.equal(tasks.length, n);
  await new Promise((r) => setTimeout(r, 30));
  assert.deepEqual(tasks.slice(n).map((t) => t.texts), [["x"]]);
  tasks[n].finish();
  assert.deepEqual(await lone, ['"x"']);
});

test("when busy workers finish, what waits starts on the free ones; different options are not merged", async () => {
  const { runner, tasks } = fakePool();
  const s = new Scheduler(runner, { ...opts, maxWaitMs: 5 });
  const busy = [s.submit(["a", "b", "c", "d"], {}), s.submit(["e", "f", "g", "h"], { topK: 2 })];
  const waiting = [s.submit(["x"], {}), s.submit(["y"], { topK: 2 })];
  assert.equal(tasks.length, 2);
  tasks[0].finish();
  tasks[1].finish();
  await Promise.all(busy);
  await new Promise((r) => setTimeout(r, 30));
  assert.deepEqual(tasks.slice(2).map((t) => t.texts), [["x"], ["y"]]);
  tasks[2].finish();
  tasks[3].finish();
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

test("maxWaitMs 0 (the default): a worker never idles while texts wait, and batches form while both are busy", async () => {
  const { runner, tasks } = fakePool();
  const s = new Scheduler(runner, { ...opts, maxWaitMs: 0 });
  const stop = { now: false };
  const client = (c: number): void => {
    void s.submit([`c${c}`], {}).then(() => {
      if (!stop.now) client(c);
    });
  };
  for (let c = 0; c < 10; c++) client(c);
  for (let i = 0; i < 40; i++) {
    await tick();
    assert.ok(s.stats.inFlight === 2 || s.stats.queuedTexts === 0, `step ${i}: ${JSON.stringify(s.stats)}`);
    tasks[i].finish();
  }
  stop.now = true;
  const sizes = tasks.map((t) => t.texts.length);
  assert.deepEqual(sizes.slice(0, 2), [1, 1]);
  assert.ok(sizes.slice(2).some((n) => n > 1), `sizes ${sizes}`);
  assert.ok(sizes.every((n) => n <= opts.maxBatch));
  for (let i = 40; s.stats.inFlight > 0 || s.stats.queuedTexts > 0; i++) {
    await tick();
    tasks[i]?.finish();
  }
});
