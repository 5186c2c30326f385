/**
 * Embedding lookup and embedding bag. Both read a (V × D) table by rows and give the table a
 * gradient only on the rows they read: row-sparse ({@link RowGrad}) when the table was created
 * with `sparseGrad`, scattered into the dense gradient otherwise. The table is never swept.
 */
import { alloc } from "../dtype.js";
import { needsGrad, record } from "../tape.js";
import { Tensor, type Shape } from "../tensor.js";

function checkIds(ids: Int32Array, V: number, what: string): void {
  for (let i = 0; i < ids.length; i++) {
    const r = ids[i];
    if (r < 0 || r >= V) throw new RangeError(`${what}: id ${r} at position ${i} is outside the table (${V} rows)`);
  }
}

function tableDims(table: Tensor, what: string): [number, number] {
  if (table.rank !== 2) throw new RangeError(`${what}: the table must be 2-D, got [${table.shape.join(", ")}]`);
  return [table.shape[0], table.shape[1]];
}

/**
 * out[..., :] = table[ids[...], :], shape `[...idsShape, D]` (`idsShape` defaults to [ids.length]).
 * Rows equal to `paddingIdx` get no gradient (PyTorch's padding_idx).
 */
export function embedding(table: Tensor, ids: Int32Array, idsShape: Shape = [ids.length], paddingIdx = -1): Tensor {
  const [V, D] = tableDims(table, "embedding");
  checkIds(ids, V, "embedding");
  let n = 1;
  for (const s of idsShape) n *= s;
  if (n !== ids.length) throw new RangeError(`embedding: idsShape [${idsShape.join(", ")}] does not hold ${ids.length} ids`);
  const out = Tensor.zeros([...idsShape, D]);
  const y = out.data, w = table.data;
  for (let i = 0; i < ids.length; i++) y.set(w.subarray(ids[i] * D, ids[i] * D + D), i * D);
  if (needsGrad(table)) {
    record(out, () => {
      const g = out.grad!;
      for (let i = 0; i < ids.length; i++) if (ids[i] !== paddingIdx) table.addGradRow(ids[i], g, i * D);
    });
  }
  return out;
}

/** Reduction of an embedding bag. */
export type BagMode = "sum" | "mean";

/**
 * Embedding bag: bag b holds ids[offsets[b] .. offsets[b+1]) (CSR layout, `offsets` has B+1
 * entries) and out[b] = Σ w_i · table[ids_i] (mode "sum") or that sum divided by the bag size
 * ("mean"; per-id weights `weights`, e.g. TF-IDF, default 1). Empty bags give zero rows.
 */
export function embeddingBag(table: Tensor, ids: Int32Array, offsets: Int32Array, mode: BagMode = "mean", weights: Float32Array | null = null): Tensor {
  const [V, D] = tableDims(table, "embeddingBag");
  checkIds(ids, V, "embeddingBag");
  const B = offsets.length - 1;
  if (B < 0 || offsets[0] !== 0 || offsets[B] !== ids.length) throw new RangeError(`embeddingBag: offsets must start at 0 and end at ids.length (${ids.length})`);
  for (let b = 0; b < B; b++) if (offsets[b + 1] < offsets[b]) throw new RangeError(`embeddingBag: offsets decrease at bag ${b}`);
  if (weights && weights.length !== ids.length) throw new RangeError(`embeddingBag: ${weights.length} weights for ${ids.length} ids`);
  const out = Tensor.zeros([B, D]);
  const y = out.data, w = table.data;
  const coef = alloc(ids.length);
  for (let b = 0; b < B; b++) {
    const s = offsets[b], e = offsets[b + 1];
    const f = mode === "mean" && e > s ? 1 / (e - s) : 1;
    const o = b * D;
    for (let i = s; i < e; i++) {
      const c = (weights ? weights[i] : 1) * f;
      coef[i] = c;
      const r = ids[i] * D;
      for (let j = 0; j < D; j++) y[o + j] += c * w[r + j];
    }
  }
  if (needsGrad(table)) {
    record(out, () => {
      const g = out.grad!;
      for (let b = 0; b < B; b++) for (let i = offsets[b]; i < offsets[b + 1]; i++) table.addGradRow(ids[i], g, b * D, coef[i]);
    });
  }
  return out;
}
