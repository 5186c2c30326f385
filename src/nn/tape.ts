/**
 * Reverse-mode automatic differentiation with a tape. Every op whose inputs need gradients (and
 * that runs while gradients are enabled) appends one node to the tape: its output tensor and a
 * backward closure that reads the output's gradient and adds into the inputs' gradients.
 * {@link backward} walks the tape from the newest node to the oldest (creation order is a
 * topological order), skips nodes whose output got no gradient (not connected to the loss),
 * frees the intermediate gradients it no longer needs and empties the tape.
 *
 * The tape is global to the thread: one graph is built and consumed at a time. Code that runs a
 * forward pass without a backward (evaluation, prediction) must run inside {@link noGrad}.
 */
import { alloc } from "./dtype.js";
import type { Tensor } from "./tensor.js";

interface Node {
  out: Tensor;
  backward: () => void;
}

let tape: Node[] = [];
let enabled = true;

/** Whether ops currently record onto the tape. */
export function isGradEnabled(): boolean {
  return enabled;
}

/** Run `fn` without recording (no gradients flow through anything computed inside). */
export function noGrad<T>(fn: () => T): T {
  const old = enabled;
  enabled = false;
  try {
    return fn();
  } finally {
    enabled = old;
  }
}

/** True when an op over `inputs` must record a node (gradients on, some input needs a gradient). */
export function needsGrad(...inputs: (Tensor | null | undefined)[]): boolean {
  if (!enabled) return false;
  for (const t of inputs) if (t && t.requiresGrad) return true;
  return false;
}

/**
 * Record `out` as produced by an op whose gradient step is `backwardFn` (called with
 * `out.grad` set). Marks `out` as requiring a gradient. Ops call this only when
 * {@link needsGrad} said so.
 */
export function record(out: Tensor, backwardFn: () => void): void {
  out.requiresGrad = true;
  out.hasNode = true;
  tape.push({ out, backward: backwardFn });
}

/** Number of nodes currently on the tape (for leak checks). */
export function tapeLength(): number {
  return tape.length;
}

/** Drop the tape without running it (e.g. after a forward pass that will not be differentiated). */
export function clearTape(): void {
  tape = [];
}

/**
 * Back-propagate from `root`: seed its gradient with ones (or with `seed`, for a non-scalar
 * root), run the tape backwards, accumulate into the leaves' `grad` / `rowGrad`, and clear the
 * tape. Leaf gradients accumulate across calls until zeroed (`optimizer.zeroGrad()`).
 */
export function backward(root: Tensor, seed?: ArrayLike<number>): void {
  if (!seed && root.size !== 1) throw new RangeError(`backward: the root has ${root.size} elements; pass a seed gradient or reduce it to a scalar`);
  if (!root.requiresGrad) {
    tape = [];
    throw new Error("backward: the root does not depend on any tensor that requires a gradient");
  }
  const g = alloc(root.size);
  if (seed) {
    if (seed.length !== root.size) throw new RangeError(`backward: seed has ${seed.length} values, root has ${root.size}`);
    for (let i = 0; i < g.length; i++) g[i] = seed[i];
  } else g[0] = 1;
  root.addGrad(g);
  const nodes = tape;
  tape = [];
  const old = enabled;
  enabled = false; // backward closures never record
  try {
    for (let i = nodes.length - 1; i >= 0; i--) {
      const n = nodes[i];
      if (!n.out.grad) continue;
      n.backward();
      if (!n.out.retainGrad) n.out.grad = null;
    }
  } finally {
    enabled = old;
  }
}
