/**
 * Post-processors: a transform τ of a node's raw score and a combiner κ with its
 * parent's (already combined) score, as in PECOS. Multiplicative ones start at 1,
 * additive (log-space) ones at 0.
 */
export const POST_PROCESSORS = [
  "noop",
  "sigmoid",
  "log-sigmoid",
  "l1-hinge",
  "l2-hinge",
  "l3-hinge",
  "l4-hinge",
  "log-l1-hinge",
  "log-l2-hinge",
  "log-l3-hinge",
  "log-l4-hinge",
] as const;
export type PostProcessorName = (typeof POST_PROCESSORS)[number];

export interface PostProcessor {
  name: PostProcessorName;
  transform(v: number): number;
  /** Combine a child's transformed score with its parent's score. */
  combine(child: number, parent: number): number;
  /** Score of the virtual root. */
  rootScore: number;
  /**
   * No transformed score exceeds this (1 for the multiplicative ones, 0 in log space, +∞ for
   * noop), so no child scores above combine(maxTransform, parent): the beam search skips parents
   * whose children could not enter it.
   */
  maxTransform: number;
}

const mul = (c: number, p: number): number => c * p;
const add = (c: number, p: number): number => c + p;

export function postProcessor(name: PostProcessorName): PostProcessor {
  switch (name) {
    case "noop":
      return { name, transform: (v) => v, combine: (c) => c, rootScore: 0, maxTransform: Infinity };
    case "sigmoid":
      return { name, transform: (v) => 1 / (1 + Math.exp(-v)), combine: mul, rootScore: 1, maxTransform: 1 };
    case "log-sigmoid":
      return { name, transform: (v) => -Math.log1p(Math.exp(-v)), combine: add, rootScore: 0, maxTransform: 0 };
    default: {
      const log = name.startsWith("log-");
      const loss = hingePower(Number(name[log ? 5 : 1]));
      // scores past the margin are exactly 1 (0 in log space): no exp, no power, on most children
      if (log) return { name, transform: (v) => (v >= 1 ? 0 : -loss(1 - v)), combine: add, rootScore: 0, maxTransform: 0 };
      return { name, transform: (v) => (v >= 1 ? 1 : Math.exp(-loss(1 - v))), combine: mul, rootScore: 1, maxTransform: 1 };
    }
  }
}

/** x^p for the hinge powers 1–4 by multiplication (Math.pow is several times slower on the hot path). */
function hingePower(p: number): (x: number) => number {
  switch (p) {
    case 1:
      return (x) => x;
    case 2:
      return (x) => x * x;
    case 3:
      return (x) => x * x * x;
    default:
      return (x) => {
        const y = x * x;
        return y * y;
      };
  }
}
