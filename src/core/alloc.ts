/**
 * Where a model's arrays are allocated while it loads: ordinary memory, or shared memory
 * (SharedArrayBuffer) that worker threads then read in place, with no copy (see
 * `XmcModel.handoff`). Off unless a load asks for it: a browser page has SharedArrayBuffer only
 * when cross-origin isolated.
 */
let shared = false;

/** Allocate model arrays in shared memory (true) or not while `fn` runs; nested calls keep the outer setting afterwards. */
export function withModelMemory<T>(sharedMemory: boolean, fn: () => T): T {
  const prev = shared;
  shared = sharedMemory;
  try {
    return fn();
  } finally {
    shared = prev;
  }
}

/** Whether model arrays are being allocated in shared memory. */
export function modelMemoryShared(): boolean {
  return shared;
}

/** A typed-array constructor: from a length, or over a buffer. */
type ArrayCtor<T> = new (...args: [length: number] | [buffer: SharedArrayBuffer, byteOffset: number, length: number]) => T;

/** A zeroed array of `length` elements for a model being loaded (shared memory when asked for). */
export function modelArray<T>(Ctor: ArrayCtor<T>, length: number): T {
  if (!shared) return new Ctor(length);
  const bytes = length * (Ctor as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
  return new Ctor(new SharedArrayBuffer(bytes), 0, length);
}
