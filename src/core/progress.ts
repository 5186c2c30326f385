/**
 * Progress reporting seam. Library code reports through this interface; the CLI plugs in
 * a bar on stderr, library users get silence by default (or their own implementation).
 */
export interface Progress {
  /** A new step with `total` units of work. */
  start(step: string, total: number): void;
  /** `n` more units done. */
  tick(n?: number): void;
  /** The step is over. */
  stop(): void;
  /** A one-line message (shown between bars). */
  log(message: string): void;
}

export const silentProgress: Progress = {
  start() {},
  tick() {},
  stop() {},
  log() {},
};
