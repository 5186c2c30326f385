/**
 * Matrix products: `matmul` (2-D, optional transposes), `bmm` (batched 3-D) and `linear`
 * (x·Wᵀ + b with W stored out × in, as PyTorch). All run on {@link gemm}.
 */
import { alloc } from "../dtype.js";
import { gemm, gemmBatched } from "../gemm.js";
import { needsGrad, record } from "../tape.js";
import { Tensor } from "../tensor.js";

function dims2(t: Tensor, what: string): [number, number] {
  if (t.rank !== 2) throw new RangeError(`${what}: expected a 2-D tensor, got [${t.shape.join(", ")}]`);
  return [t.shape[0], t.shape[1]];
}

/**
 * Gradients of C = op(A)·op(B) for one product (M×N, inner K), accumulated into gA / gB
 * (either may be null). Shared by matmul, bmm and linear.
 */
function productBackward(
  transA: boolean, transB: boolean, M: number, N: number, K: number,
  A: Float32Array, B: Float32Array, gC: Float32Array, gA: Float32Array | null, gB: Float32Array | null,
): void {
  if (gA) {
    // d op(A) = gC · op(B)ᵀ
    if (!transA) gemm(false, !transB, M, K, N, gC, B, gA, true);
    else gemm(transB, true, K, M, N, B, gC, gA, true);
  }
  if (gB) {
    // d op(B) = op(A)ᵀ · gC
    if (!transB) gemm(!transA, false, K, N, M, A, gC, gB, true);
    else gemm(true, transA, N, K, M, gC, A, gB, true);
  }
}

/** C = op(a)·op(b) for 2-D tensors; `transA` / `transB` use the transposed operand. */
export function matmul(a: Tensor, b: Tensor, transA = false, transB = false): Tensor {
  const [ar, ac] = dims2(a, "matmul");
  const [br, bc] = dims2(b, "matmul");
  const M = transA ? ac : ar;
  const K = transA ? ar : ac;
  const K2 = transB ? bc : br;
  const N = transB ? br : bc;
  if (K !== K2) throw new RangeError(`matmul: inner sizes differ ([${a.shape}]${transA ? "ᵀ" : ""} · [${b.shape}]${transB ? "ᵀ" : ""})`);
  const out = Tensor.zeros([M, N]);
  gemm(transA, transB, M, N, K, a.data, b.data, out.data);
  if (needsGrad(a, b)) {
    record(out, () => {
      productBackward(transA, transB, M, N, K, a.data, b.data, out.grad!,
        a.requiresGrad ? a.gradBuffer() : null, b.requiresGrad ? b.gradBuffer() : null);
    });
  }
  return out;
}

/** Batched product of 3-D tensors: out[i] = op(a[i])·op(b[i]) for i < batch. */
export function bmm(a: Tensor, b: Tensor, transA = false, transB = false): Tensor {
  if (a.rank !== 3 || b.rank !== 3 || a.shape[0] !== b.shape[0]) throw new RangeError(`bmm: expected 3-D tensors with the same batch, got [${a.shape}] and [${b.shape}]`);
  const [Bn, ar, ac] = a.shape;
  const [, br, bc] = b.shape;
  const M = transA ? ac : ar;
  const K = transA ? ar : ac;
  const K2 = transB ? bc : br;
  const N = transB ? br : bc;
  if (K !== K2) throw new RangeError(`bmm: inner sizes differ ([${a.shape}] · [${b.shape}])`);
  const out = Tensor.zeros([Bn, M, N]);
  gemmBatched(transA, transB, Bn, M, N, K, a.data, b.data, out.data);
  if (needsGrad(a, b)) {
    record(out, () => {
      const gA = a.requiresGrad ? a.gradBuffer() : null;
      const gB = b.requiresGrad ? b.gradBuffer() : null;
      const A = a.data, B = b.data, gC = out.grad!;
      // productBackward for every item at once
      if (gA) {
        if (!transA) gemmBatched(false, !transB, Bn, M, K, N, gC, B, gA, true);
        else gemmBatched(transB, true, Bn, K, M, N, B, gC, gA, true);
      }
      if (gB) {
        if (!transB) gemmBatched(!transA, false, Bn, K, N, M, A, gC, gB, true);
        else gemmBatched(true, transA, Bn, N, K, M, gC, A, gB, true);
      }
    });
  }
  return out;
}

/** Fully connected layer: x (N × in) · wᵀ (w: out × in) + bias (out), the PyTorch layout. */
export function linear(x: Tensor, w: Tensor, bias: Tensor | null = null): Tensor {
  const [N, I] = dims2(x, "linear");
  const [O, I2] = dims2(w, "linear");
  if (I !== I2) throw new RangeError(`linear: input has ${I} features, weight expects ${I2}`);
  if (bias && bias.size !== O) throw new RangeError(`linear: bias has ${bias.size} values, expected ${O}`);
  const out = Tensor.zeros([N, O]);
  const y = out.data;
  if (bias) for (let i = 0; i < N; i++) y.set(bias.data, i * O);
  gemm(false, true, N, O, I, x.data, w.data, y, bias !== null);
  if (needsGrad(x, w, bias)) {
    record(out, () => {
      const g = out.grad!;
      productBackward(false, true, N, O, I, x.data, w.data, g, x.requiresGrad ? x.gradBuffer() : null, w.requiresGrad ? w.gradBuffer() : null);
      if (bias && bias.requiresGrad) {
        const gb = alloc(O);
        for (let i = 0; i < N; i++) for (let j = 0; j < O; j++) gb[j] += g[i * O + j];
        bias.addGrad(gb);
      }
    });
  }
  return out;
}
