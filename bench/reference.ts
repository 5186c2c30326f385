/**
 * Peer figures transcribed from ../shared/reference/peers.md (measured on this machine kind,
 * 2 cores, with identical features). Where peers.md gives two runs, the first is used for
 * times and the better one for accuracy of Omikuji.
 */
export interface PeerFigures {
  p: [number, number, number];
  trainWall: number;
  trainCpu: number;
  rssMB: number;
  modelMB: number;
  latencyMs: number | null;
}

export const PECOS: Record<string, PeerFigures> = {
  bibtex: { p: [63.38, 38.65, 28.05], trainWall: 3.14, trainCpu: 1.57, rssMB: 109, modelMB: 1.15, latencyMs: 0.26 },
  delicious: { p: [65.9, 59.96, 55.3], trainWall: 8.71, trainCpu: 6.0, rssMB: 125, modelMB: 2.28, latencyMs: 0.22 },
  "debian-debtags": { p: [85.82, 60.67, 45.54], trainWall: 10.58, trainCpu: 6.78, rssMB: 152, modelMB: 5.34, latencyMs: 0.49 },
  "wordnet-hyper3": { p: [65.22, 57.31, 41.53], trainWall: 18.47, trainCpu: 11.84, rssMB: 202, modelMB: 18.8, latencyMs: 0.45 },
};

/** Best peer per metric (any of PECOS, Omikuji, napkinXC), for the ensemble issue. */
export const BEST_PEER_P: Record<string, [number, number, number]> = {
  bibtex: [63.94, 38.98, 28.54],
  delicious: [67.03, 60.53, 55.75],
  "debian-debtags": [86.53, 61.2, 46.16],
  "wordnet-hyper3": [65.66, 57.9, 42.03],
};
