/**
 * The JCuda backend ({@link dev.hyperrec.operators.internal.cuda.CudaBackend}): kernels written in
 * {@code gpu-operators/src/main/cuda/*.cu}, compiled to PTX at build time by
 * {@code scripts/build-ptx.sh}, shipped as classpath resources under {@code ptx/} and loaded with
 * {@code cuModuleLoadData} (driver API only; nothing is compiled at run time).
 *
 * <p>Native handles ({@link dev.hyperrec.operators.internal.cuda.CudaContext},
 * {@link dev.hyperrec.operators.internal.cuda.CudaModule},
 * {@link dev.hyperrec.operators.internal.cuda.CudaStream},
 * {@link dev.hyperrec.operators.internal.cuda.DeviceBuffer},
 * {@link dev.hyperrec.operators.internal.cuda.PinnedBuffer}) are final {@link java.lang.AutoCloseable}
 * classes with idempotent close; use after close throws {@link java.lang.IllegalStateException}. The
 * ownership tree: backend → (context, modules, operators); operator → (stream, device and pinned
 * buffers); each level closes its children in reverse creation order. Thread affinity: an operator is
 * confined to one thread at a time and binds the backend's context ({@code cuCtxSetCurrent}) at the
 * start of every call, so a task thread may use operators created on another thread.
 */
package dev.hyperrec.operators.internal.cuda;
