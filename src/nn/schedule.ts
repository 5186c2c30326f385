/**
 * Learning-rate schedules, as pure functions of the step number (0-based: the value to use for
 * the step about to be taken), so a resumed run continues exactly. `linearWarmupDecay` (linear
 * warm-up to a peak, then linear decay) and `oneCycle` (PyTorch's OneCycleLR, two phases, with
 * cosine or linear annealing and β1 cycled in the opposite direction).
 */
import { parseParams, type ParamsOf } from "../core/params.js";

/** What a schedule sets for a step. */
export interface ScheduleValue {
  lr: number;
  /** Adam's β1 (one-cycle momentum cycling), when the schedule sets it. */
  beta1?: number;
}

/** A schedule: the optimizer settings for step `step` (0-based). */
export type Schedule = (step: number) => ScheduleValue;

/** Options of {@link linearWarmupDecay}. */
export const WARMUP_SCHEMA = {
  peakLr: { type: "number", default: 1e-3, min: 0, help: "learning rate at the end of the warm-up" },
  warmupSteps: { type: "number", default: 0, min: 0, integer: true, help: "steps of linear warm-up from 0" },
  totalSteps: { type: "number", default: 1000, min: 1, integer: true, help: "steps in the whole run" },
  endLr: { type: "number", default: 0, min: 0, help: "learning rate reached at the last step" },
} as const;

/**
 * lr rises linearly from peakLr/warmupSteps (step 0) to peakLr (step warmupSteps − 1), then
 * falls linearly to endLr at step totalSteps − 1 (and stays there).
 */
export function linearWarmupDecay(opts: Partial<ParamsOf<typeof WARMUP_SCHEMA>>): Schedule {
  const o = parseParams(WARMUP_SCHEMA, opts, "linearWarmupDecay");
  const { peakLr, warmupSteps: W, totalSteps: T, endLr } = o;
  return (step) => {
    if (step < W) return { lr: (peakLr * (step + 1)) / W };
    const span = Math.max(1, T - 1 - W);
    const f = Math.min(1, Math.max(0, (step - W) / span));
    return { lr: peakLr + (endLr - peakLr) * f };
  };
}

/** Options of {@link oneCycle} (PyTorch OneCycleLR names in camelCase). */
export const ONE_CYCLE_SCHEMA = {
  maxLr: { type: "number", default: 5e-3, min: 0, help: "peak learning rate" },
  totalSteps: { type: "number", default: 1000, min: 2, integer: true, help: "steps in the whole run" },
  pctStart: { type: "number", default: 0.3, min: 0, max: 1, help: "fraction of steps spent increasing the learning rate" },
  divFactor: { type: "number", default: 25, min: 1e-12, help: "initial lr = maxLr / divFactor" },
  finalDivFactor: { type: "number", default: 1e4, min: 1e-12, help: "final lr = initial lr / finalDivFactor" },
  anneal: { type: "string", default: "cos", choices: ["cos", "linear"], help: "annealing shape" },
  cycleMomentum: { type: "boolean", default: true, help: "cycle Adam's β1 inversely to the lr" },
  baseMomentum: { type: "number", default: 0.85, min: 0, max: 1, help: "β1 at the peak lr" },
  maxMomentum: { type: "number", default: 0.95, min: 0, max: 1, help: "β1 at the start and end" },
} as const;

/** One-cycle schedule, step for step as PyTorch's OneCycleLR (three_phase = False). */
export function oneCycle(opts: Partial<ParamsOf<typeof ONE_CYCLE_SCHEMA>>): Schedule {
  const o = parseParams(ONE_CYCLE_SCHEMA, opts, "oneCycle");
  const initial = o.maxLr / o.divFactor;
  const min = initial / o.finalDivFactor;
  const end1 = o.pctStart * o.totalSteps - 1;
  const end2 = o.totalSteps - 1;
  const ann = o.anneal === "cos"
    ? (a: number, b: number, pct: number) => b + ((a - b) / 2) * (Math.cos(Math.PI * pct) + 1)
    : (a: number, b: number, pct: number) => (b - a) * pct + a;
  return (step) => {
    let lr: number, mom: number;
    if (step <= end1) {
      const pct = end1 > 0 ? step / end1 : 1;
      lr = ann(initial, o.maxLr, pct);
      mom = ann(o.maxMomentum, o.baseMomentum, pct);
    } else {
      const pct = Math.min(1, (step - end1) / Math.max(1e-12, end2 - end1));
      lr = ann(o.maxLr, min, pct);
      mom = ann(o.baseMomentum, o.maxMomentum, pct);
    }
    return o.cycleMomentum ? { lr, beta1: mom } : { lr };
  };
}

/** Write the schedule's values for `step` into optimizers (β1 only where they have one). */
export function applySchedule(schedule: Schedule, step: number, ...optimizers: { lr: number; beta1?: number }[]): ScheduleValue {
  const v = schedule(step);
  for (const opt of optimizers) {
    opt.lr = v.lr;
    if (v.beta1 !== undefined && opt.beta1 !== undefined) opt.beta1 = v.beta1;
  }
  return v;
}
