package dev.hyperrec.operators.internal.cuda;

import dev.hyperrec.operators.AttentionReranker;
import dev.hyperrec.operators.CountMinConfig;
import dev.hyperrec.operators.EmbeddingUpdateConfig;
import dev.hyperrec.operators.EmbeddingUpdater;
import dev.hyperrec.operators.GraphSignal;
import dev.hyperrec.operators.MixtureOfLogits;
import dev.hyperrec.operators.OperatorBackend;
import dev.hyperrec.operators.OperatorException;
import dev.hyperrec.operators.PopularitySketch;
import dev.hyperrec.operators.Scorer;
import dev.hyperrec.operators.ThompsonSampler;
import dev.hyperrec.operators.internal.ResourceOwner;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The JCuda backend: one device, its primary context, the PTX modules, and the operators created
 * from them.
 *
 * <p>Ownership (closed in reverse order): context → modules → operators; each operator owns its
 * stream and buffers. {@link #close()} is idempotent; factories and operators throw
 * {@link IllegalStateException} afterwards. Thread affinity: factory methods are thread-safe; each
 * operator is used by one thread at a time and binds the context at each call.
 *
 * <p>Errors: driver failures are {@link CudaException}s naming the CUresult, kernel and sizes;
 * argument errors are plain {@link OperatorException}s with the same messages as the CPU backend.
 */
public final class CudaBackend implements OperatorBackend {
    public static final String NAME = "cuda";
    static final String SCORE = "hyperrec_score";
    static final String SKETCH = "hyperrec_sketch";
    static final String UPDATE = "hyperrec_update";
    static final String THOMPSON = "hyperrec_thompson";
    static final String RERANK = "hyperrec_rerank";

    private final ResourceOwner owner = new ResourceOwner("cuda backend");
    private final CudaContext context;
    private final CudaModule score;
    private final CudaModule sketch;
    private final CudaModule update;
    private final CudaModule thompson;
    private final CudaModule rerank;
    private final ScorePrecision defaultPrecision;
    private final AtomicInteger injectedFaults = new AtomicInteger();
    private final CatalogMirrors mirrors = new CatalogMirrors(this);

    /** Opens device {@code ordinal}; the scorers it creates use {@code precision} unless told otherwise. */
    public CudaBackend(int ordinal, ScorePrecision precision) {
        this(ordinal, precision, CudaContext.Sync.AUTO);
    }

    /** As {@link #CudaBackend(int, ScorePrecision)}, with the host threads waiting for the device as {@code sync} says. */
    public CudaBackend(int ordinal, ScorePrecision precision, CudaContext.Sync sync) {
        Cuda.Probe p = Cuda.probe();
        if (!p.usable()) {
            throw new OperatorException("CUDA backend unusable: " + p.reason());
        }
        this.defaultPrecision = Objects.requireNonNull(precision, "precision");
        context = owner.register(new CudaContext(ordinal, sync));
        score = owner.register(new CudaModule(SCORE));
        sketch = owner.register(new CudaModule(SKETCH));
        update = owner.register(new CudaModule(UPDATE));
        thompson = owner.register(new CudaModule(THOMPSON));
        rerank = owner.register(new CudaModule(RERANK));
    }

    public CudaBackend() {
        this(0, ScorePrecision.EXACT);
    }

    /** Whether a device is usable here (driver loads, compute capability 9.0+); never throws. */
    public static boolean isUsable() {
        return Cuda.probe().usable();
    }

    /** Why {@link #isUsable()} is false (empty when usable). */
    public static String unusableReason() {
        return Cuda.probe().reason();
    }

    /** A one-line description of device 0, e.g. for logs and benchmark reports. */
    public static String describeDevice() {
        Cuda.Probe p = Cuda.probe();
        return p.usable() ? p.deviceName() + " (sm_" + p.major() + p.minor() + ", " + p.smCount() + " SMs, driver " + p.driverVersion() + ")"
                : "no usable CUDA device: " + p.reason();
    }

    /** {free, total} bytes of the device's memory (cuMemGetInfo), for reports and metrics. */
    public long[] memoryInfo() {
        context.bind();
        long[] free = new long[1];
        long[] total = new long[1];
        Cuda.check(jcuda.driver.JCudaDriver.cuMemGetInfo(free, total), "cuMemGetInfo", "device memory");
        return new long[] {free[0], total[0]};
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public EmbeddingUpdater newEmbeddingUpdater(EmbeddingUpdateConfig config) {
        Objects.requireNonNull(config, "config");
        owner.checkOpen();
        return owner.register(new CudaEmbeddingUpdater(this, config));
    }

    @Override
    public Scorer newScorer() {
        return newScorer(defaultPrecision);
    }

    /** A scorer with the given matmul precision. */
    public CudaScorer newScorer(ScorePrecision precision) {
        Objects.requireNonNull(precision, "precision");
        owner.checkOpen();
        return owner.register(new CudaScorer(this, precision));
    }

    @Override
    public PopularitySketch newPopularitySketch(CountMinConfig config) {
        Objects.requireNonNull(config, "config");
        owner.checkOpen();
        return owner.register(new CudaPopularitySketch(this, config));
    }

    @Override
    public ThompsonSampler newThompsonSampler(long seed) {
        owner.checkOpen();
        return owner.register(new CudaThompsonSampler(this, seed));
    }

    @Override
    public GraphSignal newGraphSignal() {
        owner.checkOpen();
        return owner.register(new CudaGraphSignal(this));
    }

    @Override
    public AttentionReranker newAttentionReranker() {
        owner.checkOpen();
        return owner.register(new CudaAttentionReranker(this));
    }

    @Override
    public Scorer newMixtureOfLogitsScorer(MixtureOfLogits weights) {
        Objects.requireNonNull(weights, "weights");
        owner.checkOpen();
        return owner.register(new CudaMolScorer(this, weights));
    }

    /**
     * Test seam: the next {@code launches} kernel launches of this backend's operators fail with
     * {@code CUDA_ERROR_LAUNCH_FAILED} before reaching the driver (so the device stays healthy), to
     * exercise the CPU fallback.
     */
    void failNextLaunches(int launches) {
        injectedFaults.set(launches);
    }

    void maybeInjectFault(String kernel, String sizes) {
        if (injectedFaults.get() > 0 && injectedFaults.getAndDecrement() > 0) {
            throw new CudaException("CUDA_ERROR_LAUNCH_FAILED", "kernel " + kernel, "injected fault, " + sizes);
        }
    }

    CudaContext context() {
        return context;
    }

    /** The per-thread device copies of catalogs that the operators share. */
    CatalogMirrors mirrors() {
        return mirrors;
    }

    CudaModule scoreModule() {
        return score;
    }

    CudaModule sketchModule() {
        return sketch;
    }

    CudaModule updateModule() {
        return update;
    }

    CudaModule thompsonModule() {
        return thompson;
    }

    CudaModule rerankModule() {
        return rerank;
    }

    void release(CudaOperator op) {
        owner.release(op);
    }

    public boolean isClosed() {
        return owner.isClosed();
    }

    @Override
    public void close() {
        if (owner.isClosed()) {
            return;
        }
        context.bind();
        owner.close();
    }

    @Override
    public String toString() {
        return "CudaBackend[" + (owner.isClosed() ? "closed" : owner.ownedCount() + " resources") + "]";
    }
}
