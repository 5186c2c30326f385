/**
 * Reference baselines of a text data set, in a fresh process: the most popular training labels
 * (the same 5 for every test point) and a TF-IDF 10-nearest-neighbour vote (word unigrams,
 * min_df 2, sublinear tf, L2 rows, as scikit-learn's TfidfVectorizer with those settings; each
 * of the 10 training texts of highest cosine votes for its labels with its cosine). Also the
 * share of test label occurrences whose label never occurs in training.
 * Usage: node dist/bench/natural-ref.js PREFIX_DIR  (reads DIR/train_*.txt and DIR/test_*.txt)
 * Prints one JSON object on stdout.
 */
import { join } from "node:path";
import { transpose, type Csr } from "../src/core/csr.js";
import { TopKHeap } from "../src/core/topk.js";
import { loadDataset } from "../src/data/load.js";
import { evaluate, type Prediction } from "../src/eval/metrics.js";
import { inversePropensity, labelCounts } from "../src/eval/propensity.js";
import { TfidfVectorizer } from "../src/text/tfidf.js";

/** The labels of the k training rows nearest to each test row, each voting with its cosine; top `topK` labels. */
export function knnVote(trainX: Csr, trainY: Csr, testX: Csr, k: number, topK: number): Prediction[] {
  const post = transpose(trainX); // features x train rows
  const acc = new Float32Array(trainX.rows);
  const touched = new Int32Array(trainX.rows);
  const nb = new TopKHeap(k);
  const nbIds = new Int32Array(k);
  const nbSc = new Float32Array(k);
  const lab = new Float32Array(trainY.cols);
  const labTouched = new Int32Array(trainY.cols);
  const out: Prediction[] = [];
  for (let i = 0; i < testX.rows; i++) {
    let nt = 0;
    for (let p = testX.indptr[i]; p < testX.indptr[i + 1]; p++) {
      const f = testX.indices[p];
      if (f >= post.rows) continue;
      const w = testX.data[p];
      for (let q = post.indptr[f]; q < post.indptr[f + 1]; q++) {
        const r = post.indices[q];
        if (acc[r] === 0) touched[nt++] = r;
        acc[r] += w * post.data[q];
      }
    }
    nb.clear();
    for (let j = 0; j < nt; j++) {
      const r = touched[j];
      if (acc[r] > 0) nb.push(r, acc[r]);
      acc[r] = 0;
    }
    nbIds.fill(-1);
    nb.drainSorted(nbIds, nbSc, 0, k);
    let nl = 0;
    for (let j = 0; j < k; j++) {
      const r = nbIds[j];
      if (r < 0) continue;
      for (let q = trainY.indptr[r]; q < trainY.indptr[r + 1]; q++) {
        const l = trainY.indices[q];
        if (lab[l] === 0) labTouched[nl++] = l;
        lab[l] += nbSc[j];
      }
    }
    const heap = new TopKHeap(topK);
    for (let j = 0; j < nl; j++) {
      heap.push(labTouched[j], lab[labTouched[j]]);
      lab[labTouched[j]] = 0;
    }
    const ids = new Int32Array(topK).fill(-1);
    const sc = new Float32Array(topK);
    heap.drainSorted(ids, sc, 0, topK);
    let n = 0;
    while (n < topK && ids[n] >= 0) n++;
    out.push({ labels: ids.slice(0, n), scores: sc.slice(0, n) });
  }
  return out;
}

/** Popular-label and 10-NN references of the set in `dir`. */
export async function references(dir: string): Promise<Record<string, unknown>> {
  const cpu0 = process.cpuUsage();
  const train = await loadDataset(join(dir, "train"));
  const test = await loadDataset(join(dir, "test"), { labels: train.labelNames });
  const counts = labelCounts(train.Y);
  const invProp = inversePropensity(counts, train.Y.rows, 0.55, 1.5, test.Y.cols);
  const opts = { ks: [1, 3, 5], invProp };
  const order = Array.from(counts.keys()).sort((a, b) => counts[b] - counts[a] || a - b);
  const top = Int32Array.from(order.slice(0, 5));
  const popScores = Float32Array.from(top, (l) => counts[l]);
  const popular = evaluate(Array.from({ length: test.Y.rows }, () => ({ labels: top, scores: popScores })), test.Y, opts);
  const vec = new TfidfVectorizer({ analyzer: "word", ngramMin: 1, ngramMax: 1, minDf: 2, sublinearTf: true });
  const Xtr = vec.fitTransform(train.texts!);
  const Xte = vec.transform(test.texts!);
  const knn = evaluate(knnVote(Xtr, train.Y, Xte, 10, 5), test.Y, opts);
  let occ = 0;
  let unseen = 0;
  for (let p = 0; p < test.Y.indptr[test.Y.rows]; p++) {
    occ++;
    const l = test.Y.indices[p];
    if (l >= counts.length || counts[l] === 0) unseen++;
  }
  const cpu = process.cpuUsage(cpu0);
  return {
    nTrain: train.Y.rows,
    nTest: test.Y.rows,
    nLabels: test.Y.cols,
    unseenTestLabelFraction: occ === 0 ? 0 : unseen / occ,
    popular,
    knn,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
}

if (process.argv[1]?.endsWith("natural-ref.js")) {
  const dir = process.argv[2];
  if (dir === undefined) {
    process.stderr.write("usage: node dist/bench/natural-ref.js DIR\n");
    process.exit(2);
  }
  process.stdout.write(`${JSON.stringify(await references(dir))}\n`);
}
