/**
 * Moving plain data into shared memory, so that worker threads read it in place: every typed
 * array reached from `x` (through plain objects and arrays) that is not already backed by a
 * SharedArrayBuffer is replaced, in its object, by a copy in one. Whoever holds those objects
 * then reads the shared copies, and posting them to a worker shares them instead of copying.
 * Returns `x`.
 */
export function shareInPlace<T>(x: T): T {
  const seen = new Set<object>();
  const visit = (o: object): void => {
    if (seen.has(o)) return;
    seen.add(o);
    const rec = o as Record<string, unknown>;
    for (const k of Object.keys(rec)) {
      const v = rec[k];
      if (ArrayBuffer.isView(v) && !(v instanceof DataView)) rec[k] = sharedCopy(v as TypedArray);
      else if (v !== null && typeof v === "object") visit(v);
    }
  };
  if (x !== null && typeof x === "object") visit(x);
  return x;
}

type TypedArray = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array | BigInt64Array | BigUint64Array;

/** `a` itself when it is already shared, else a copy of it in a SharedArrayBuffer of its own. */
export function sharedCopy<A extends TypedArray>(a: A): A {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const Ctor = a.constructor as new (b: SharedArrayBuffer, offset: number, length: number) => A;
  const out = new Ctor(new SharedArrayBuffer(a.byteLength), 0, a.length);
  (out as unknown as { set(src: A): void }).set(a);
  return out;
}
