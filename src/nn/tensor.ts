/**
 * Tensors of the training engine: a shape, a flat row-major float buffer (see `dtype.ts`), and
 * optionally a gradient. A parameter created with `sparseGrad: true` (a 2-D embedding table or
 * an output-label table) keeps its gradient *row-sparse* ({@link RowGrad}: the touched row ids
 * and their values), never a dense table; the ops that read such a table by rows (embedding,
 * embedding bag, gather) write row gradients, and `SparseAdam` updates only those rows.
 */
import { alloc, copyOf } from "./dtype.js";

/** A tensor shape (row-major; the last dimension is contiguous). */
export type Shape = readonly number[];

/** Number of elements of a shape. */
export function numel(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function checkShape(shape: Shape): void {
  for (const d of shape) if (!Number.isInteger(d) || d < 0) throw new RangeError(`tensor: bad shape [${shape.join(", ")}]`);
}

/**
 * Accumulator of a row-sparse gradient for a `rows × dim` table. Rows are deduplicated through a
 * table-sized slot map (4 bytes per row, kept across steps; only touched entries are reset).
 */
export class RowGrad {
  private slot: Int32Array;
  private idBuf: Int32Array;
  private valBuf: Float32Array;
  /** Number of distinct touched rows. */
  count = 0;

  constructor(readonly rows: number, readonly dim: number) {
    this.slot = new Int32Array(rows).fill(-1);
    this.idBuf = new Int32Array(16);
    this.valBuf = alloc(16 * dim);
  }

  /** The touched row ids, in first-touch order (a view, valid until the next change). */
  get ids(): Int32Array {
    return this.idBuf.subarray(0, this.count);
  }

  /** Row values, `count × dim`, aligned with {@link ids} (a view). */
  get values(): Float32Array {
    return this.valBuf.subarray(0, this.count * this.dim);
  }

  /** The value offset of `row`, creating a zero row when it was not touched yet. */
  rowOffset(row: number): number {
    let s = this.slot[row];
    if (s < 0) {
      if (this.count === this.idBuf.length) this.grow();
      s = this.count++;
      this.slot[row] = s;
      this.idBuf[s] = row;
    }
    return s * this.dim;
  }

  /** Add `scale · src[srcOff .. srcOff+dim)` to row `row`. */
  addRow(row: number, src: ArrayLike<number>, srcOff: number, scale = 1): void {
    const o = this.rowOffset(row);
    const v = this.valBuf;
    const d = this.dim;
    for (let j = 0; j < d; j++) v[o + j] += scale * src[srcOff + j];
  }

  /** Dense copy (`rows × dim`), for tests and gradient checks. */
  toDense(): Float32Array {
    const out = alloc(this.rows * this.dim);
    const d = this.dim;
    for (let s = 0; s < this.count; s++) out.set(this.valBuf.subarray(s * d, (s + 1) * d), this.idBuf[s] * d);
    return out;
  }

  /** Forget every touched row. */
  clear(): void {
    for (let s = 0; s < this.count; s++) this.slot[this.idBuf[s]] = -1;
    this.valBuf.fill(0, 0, this.count * this.dim);
    this.count = 0;
  }

  private grow(): void {
    const cap = this.idBuf.length * 2;
    const ids = new Int32Array(cap);
    ids.set(this.idBuf);
    const vals = alloc(cap * this.dim);
    vals.set(this.valBuf.subarray(0, this.count * this.dim));
    this.idBuf = ids;
    this.valBuf = vals;
  }
}

/** Options of the {@link Tensor} constructor. */
export interface TensorOptions {
  /** Track gradients for this tensor (parameters). */
  requiresGrad?: boolean;
  /** Keep the gradient row-sparse (2-D tensors only). */
  sparseGrad?: boolean;
  /** A name, used by optimizers' state and by `params-io`. */
  name?: string;
}

/** An n-dimensional float tensor with an optional gradient. */
export class Tensor {
  readonly shape: number[];
  /** Number of elements. */
  readonly size: number;
  /** Row-major values (shared, not copied, by `reshape` and `detach`). */
  data: Float32Array;
  /** Dense gradient (same size as `data`), allocated on first accumulation. */
  grad: Float32Array | null = null;
  /** Row-sparse gradient of a `sparseGrad` table. */
  rowGrad: RowGrad | null = null;
  requiresGrad: boolean;
  readonly sparseGrad: boolean;
  name: string;
  /** Keep `grad` after backward even when this tensor is an op output (for inspection). */
  retainGrad = false;
  /** Set by the tape when an op produced this tensor (non-leaf). */
  hasNode = false;

  constructor(data: Float32Array, shape: Shape, opts: TensorOptions = {}) {
    checkShape(shape);
    const n = numel(shape);
    if (data.length !== n) throw new RangeError(`tensor: ${data.length} values for shape [${shape.join(", ")}] (${n})`);
    this.shape = shape.slice();
    this.size = n;
    this.data = data;
    this.requiresGrad = opts.requiresGrad ?? false;
    this.sparseGrad = opts.sparseGrad ?? false;
    if (this.sparseGrad && shape.length !== 2) throw new RangeError("tensor: sparseGrad needs a 2-D table");
    this.name = opts.name ?? "";
  }

  /** A zero tensor. */
  static zeros(shape: Shape, opts?: TensorOptions): Tensor {
    checkShape(shape);
    return new Tensor(alloc(numel(shape)), shape, opts);
  }

  /** A tensor filled with `value`. */
  static full(shape: Shape, value: number, opts?: TensorOptions): Tensor {
    const t = Tensor.zeros(shape, opts);
    t.data.fill(value);
    return t;
  }

  /** A tensor holding a copy of `values`. */
  static from(values: ArrayLike<number>, shape: Shape = [values.length], opts?: TensorOptions): Tensor {
    return new Tensor(copyOf(values), shape, opts);
  }

  /** A scalar (shape `[]`). */
  static scalar(v: number, opts?: TensorOptions): Tensor {
    return Tensor.from([v], [], opts);
  }

  /** Number of dimensions. */
  get rank(): number {
    return this.shape.length;
  }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new RangeError(`tensor: item() of a tensor with ${this.size} elements`);
    return this.data[0];
  }

  /** Add `g` (same size) to the gradient. Row-sparse tables take only row gradients. */
  addGrad(g: ArrayLike<number>, scale = 1): void {
    if (this.sparseGrad) throw new Error(`tensor ${this.name || "(unnamed)"}: a dense gradient reached a row-sparse table; read it with embedding/gather ops only`);
    const d = this.gradBuffer();
    const n = this.size;
    if (scale === 1) for (let i = 0; i < n; i++) d[i] += g[i];
    else for (let i = 0; i < n; i++) d[i] += scale * g[i];
  }

  /** The dense gradient buffer, allocated (zero) when missing. Not for `sparseGrad` tables. */
  gradBuffer(): Float32Array {
    if (this.sparseGrad) throw new Error(`tensor ${this.name || "(unnamed)"}: has a row-sparse gradient, not a dense one`);
    if (!this.grad) this.grad = alloc(this.size);
    return this.grad;
  }

  /**
   * Add `scale · src[srcOff .. srcOff+dim)` to the gradient of row `row` of this 2-D tensor:
   * into the row-sparse accumulator for `sparseGrad` tables, into the dense gradient otherwise.
   */
  addGradRow(row: number, src: ArrayLike<number>, srcOff: number, scale = 1): void {
    const dim = this.shape[this.shape.length - 1];
    if (this.sparseGrad) {
      if (!this.rowGrad) this.rowGrad = new RowGrad(this.shape[0], dim);
      this.rowGrad.addRow(row, src, srcOff, scale);
      return;
    }
    const d = this.gradBuffer();
    const o = row * dim;
    for (let j = 0; j < dim; j++) d[o + j] += scale * src[srcOff + j];
  }

  /** Drop the gradient (dense buffer zeroed and kept; row gradient cleared). */
  zeroGrad(): void {
    if (this.grad) this.grad.fill(0);
    if (this.rowGrad) this.rowGrad.clear();
  }

  /** Dense view of the gradient (densifies a row gradient); zeros when there is none. */
  denseGrad(): Float32Array {
    if (this.rowGrad) return this.rowGrad.toDense();
    return this.grad ? this.grad.slice() : alloc(this.size);
  }

  /** A tensor sharing this one's values, cut from the graph (no gradient flows back). */
  detach(): Tensor {
    return new Tensor(this.data, this.shape);
  }

  /** Human-readable summary. */
  toString(): string {
    return `Tensor${this.name ? ` ${this.name}` : ""}[${this.shape.join("×")}]`;
  }
}

/** A trainable parameter: a tensor with `requiresGrad` set. */
export function param(data: Float32Array, shape: Shape, name = "", sparseGrad = false): Tensor {
  return new Tensor(data, shape, { requiresGrad: true, name, sparseGrad });
}
