/**
 * Worker thread of data-parallel SyncXML / InceptionXML training (see `parallel.ts`): a replica
 * of the network over the shared parameters computes the gradients of one part of a batch and
 * sends them back.
 */
import { parentPort, workerData } from "node:worker_threads";
import { Rng } from "../../core/rng.js";
import { backward } from "../../nn/tape.js";
import { clustersFromCodes } from "./clusters.js";
import { Network } from "./network.js";
import { attachParameters, packGradients, type PartResult, type PartTask, type ReplicaInit } from "./parallel.js";

if (parentPort) {
  const init = workerData as ReplicaInit;
  const port = parentPort;
  const clusters = init.clusterOf ? clustersFromCodes(init.clusterOf, init.K) : null;
  const net = new Network(init.params, init.vocabSize, init.L, clusters, new Rng(0));
  attachParameters(net, init.shared);
  for (const b of net.buffers()) {
    const src = init.buffers[b.name];
    if (src) b.data.set(src);
  }
  const params = net.parameters();
  const S = init.params.encoder.seqLen;
  const Y = init.Y;
  port.on("message", (task: PartTask) => {
    try {
      const B = task.rows.length;
      const ids = new Int32Array(B * S);
      const pos: Int32Array[] = new Array(B);
      for (let k = 0; k < B; k++) {
        const r = task.rows[k];
        ids.set(init.ids.subarray(r * S, (r + 1) * S), k * S);
        pos[k] = Y.indices.subarray(Y.indptr[r], Y.indptr[r + 1]);
      }
      const l = net.loss(ids, B, pos, task.detach, new Rng(task.seed));
      const loss = { loss: l.total.item(), meta: l.meta, ext: l.ext, candidates: l.candidates };
      backward(l.total);
      const g = packGradients(params);
      const result: PartResult = { n: B, loss, dense: g.dense, sparse: g.sparse };
      const transfer = [g.dense.buffer, ...g.sparse.flatMap((s) => [s.ids.buffer, s.values.buffer])] as ArrayBuffer[];
      port.postMessage({ ok: true, result }, transfer);
    } catch (e) {
      port.postMessage({ ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    }
  });
}
