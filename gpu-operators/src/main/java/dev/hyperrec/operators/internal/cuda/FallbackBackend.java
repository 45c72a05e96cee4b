package dev.hyperrec.operators.internal.cuda;

import dev.hyperrec.operators.AttentionReranker;
import dev.hyperrec.operators.AttentionWeights;
import dev.hyperrec.operators.CountMinConfig;
import dev.hyperrec.operators.EmbeddingUpdateConfig;
import dev.hyperrec.operators.EmbeddingUpdater;
import dev.hyperrec.operators.GraphSignal;
import dev.hyperrec.operators.MixtureOfLogits;
import dev.hyperrec.operators.HeavyHitter;
import dev.hyperrec.operators.ItemCatalog;
import dev.hyperrec.operators.OperatorBackend;
import dev.hyperrec.operators.PopularitySketch;
import dev.hyperrec.operators.ScoreBatch;
import dev.hyperrec.operators.Scorer;
import dev.hyperrec.operators.SketchState;
import dev.hyperrec.operators.ThompsonSampler;
import dev.hyperrec.operators.TopKResult;
import dev.hyperrec.operators.UpdateBatch;
import dev.hyperrec.operators.UserTable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A device backend with the CPU reference as its safety net: each operator runs on the primary
 * (CUDA) backend until a {@link CudaException} (a device fault, never an argument error), then logs
 * it at WARN, counts it in {@link #fallbacks()}, re-runs the failed call on a CPU operator rebuilt from
 * host state, and stays on the CPU. Results are unchanged because the CPU backend is the reference the
 * CUDA backend is checked against (floats within the contract's tolerances).
 *
 * <p>Host state a CPU operator resumes from: the catalog is host-side; the user table's host rows plus
 * a replay log of the batches applied since its device tier last synced (see {@code Updater}); the Thompson sampler is stateless; the sketch
 * keeps a replay log of the events added since its last {@link PopularitySketch#snapshot()} (what the
 * store holds) and rebuilds by restore + replay; the log is folded into a fresh snapshot every
 * {@value #REPLAY_CAP} events so it stays bounded.
 *
 * <p>{@link #name()} stays the primary's name ({@code cuda}): the configured backend; the metric says
 * how many operators degraded. Thread affinity: that of the wrapped operators.
 */
public final class FallbackBackend implements OperatorBackend {
    private static final Logger LOG = LoggerFactory.getLogger(FallbackBackend.class);
    static final int REPLAY_CAP = 4_000_000;

    private final OperatorBackend primary;
    private final OperatorBackend cpu;
    private final AtomicLong fallbacks = new AtomicLong();
    private volatile boolean closed;

    public FallbackBackend(OperatorBackend primary, OperatorBackend cpu) {
        this.primary = Objects.requireNonNull(primary, "primary");
        this.cpu = Objects.requireNonNull(cpu, "cpu");
    }

    /** Operators that switched to the CPU backend after a CUDA fault (a metric). */
    public long fallbacks() {
        return fallbacks.get();
    }

    /** The wrapped device backend. */
    public OperatorBackend primary() {
        return primary;
    }

    @Override
    public String name() {
        return primary.name();
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("fallback backend is closed");
        }
    }

    private void degraded(String operator, CudaException e) {
        long n = fallbacks.incrementAndGet();
        LOG.warn("operator backend: {} on {} failed ({}); switched to cpu (fallback #{})", operator, primary.name(), e.getMessage(), n);
    }

    @Override
    public EmbeddingUpdater newEmbeddingUpdater(EmbeddingUpdateConfig config) {
        checkOpen();
        return new Updater(primary.newEmbeddingUpdater(config), config);
    }

    @Override
    public Scorer newScorer() {
        checkOpen();
        return new FScorer(primary.newScorer(), cpu::newScorer);
    }

    @Override
    public Scorer newMixtureOfLogitsScorer(MixtureOfLogits weights) {
        checkOpen();
        return new FScorer(primary.newMixtureOfLogitsScorer(weights), () -> cpu.newMixtureOfLogitsScorer(weights));
    }

    @Override
    public PopularitySketch newPopularitySketch(CountMinConfig config) {
        checkOpen();
        return new Sketch(primary.newPopularitySketch(config), config);
    }

    @Override
    public ThompsonSampler newThompsonSampler(long seed) {
        checkOpen();
        return new Sampler(primary.newThompsonSampler(seed), seed);
    }

    @Override
    public GraphSignal newGraphSignal() {
        checkOpen();
        return new Graph(primary.newGraphSignal());
    }

    @Override
    public AttentionReranker newAttentionReranker() {
        checkOpen();
        return new Reranker(primary.newAttentionReranker());
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            cpu.close();
        } finally {
            primary.close();
        }
    }

    private final class FScorer implements Scorer {
        private final Scorer device;
        private final java.util.function.Supplier<Scorer> hostFactory;
        private Scorer host;

        FScorer(Scorer device, java.util.function.Supplier<Scorer> hostFactory) {
            this.device = device;
            this.hostFactory = hostFactory;
        }

        @Override
        public void topK(ItemCatalog items, ScoreBatch batch, int k, TopKResult out) {
            if (host == null) {
                try {
                    device.topK(items, batch, k, out);
                    return;
                } catch (CudaException e) {
                    degraded("scorer", e);
                    host = hostFactory.get();
                }
            }
            host.topK(items, batch, k, out);
        }

        @Override
        public boolean extrasOnDevice() {
            return host == null && device.extrasOnDevice();
        }

        @Override
        public void close() {
            closeBoth(device, host);
        }
    }

    /**
     * The updater's safety net. A device updater may keep rows newer than the host's (a device tier,
     * see {@link UserTable}); so per table it logs the batches applied since the table's host side was
     * last complete (no device-newer rows at the start of a call) against one catalog version. On a
     * device fault, in {@code apply} or in a later pull of the rows, the device copy is dropped and the
     * logged batches are replayed on the CPU for the rows whose host values are stale (EMA rows are
     * independent per user, so the replay may skip rows a partial pull already brought back). A catalog
     * change, or a log past {@value #REPLAY_CAP} events, first syncs the table to the host.
     */
    private final class Updater implements EmbeddingUpdater {
        private final EmbeddingUpdater device;
        private final EmbeddingUpdateConfig config;
        private final Map<UserTable, Replay> logs = new IdentityHashMap<>();
        private EmbeddingUpdater host;

        Updater(EmbeddingUpdater device, EmbeddingUpdateConfig config) {
            this.device = device;
            this.config = config;
        }

        @Override
        public void apply(UserTable users, ItemCatalog items, UpdateBatch batch) {
            apply(users, items, batch, null, null);
        }

        @Override
        public void apply(UserTable users, ItemCatalog items, UpdateBatch batch, int[] snapshotSlot, float[] out) {
            if (host == null) {
                Replay log = logs.computeIfAbsent(users, t -> new Replay());
                if (log.items != null && (log.items != items || log.version != items.version() || log.events > REPLAY_CAP)) {
                    users.syncToHost();   // a failure here is handled by pullFailed
                }
                if (host == null) {
                    if (!users.hasDeviceNewerRows()) {
                        log.clear();
                    }
                    try {
                        device.apply(users, items, batch, snapshotSlot, out);
                        log.add(items, batch);
                        users.onPullFailure(this::pullFailed);
                        return;
                    } catch (CudaException e) {
                        degraded("embedding updater", e);
                        recover(users);
                    }
                }
            }
            host.apply(users, items, batch, snapshotSlot, out);
        }

        private void pullFailed(UserTable users, RuntimeException failure) {
            if (!(failure instanceof CudaException e)) {
                throw failure;
            }
            if (host == null) {
                degraded("embedding updater (reading rows back)", e);
            }
            recover(users);
        }

        /** Drops the device copy and recomputes the stale rows from the log on the CPU; the CPU stays. */
        private void recover(UserTable users) {
            BitSet stale = users.deviceNewerRows();
            try {
                users.discardDeviceCopy();
            } catch (RuntimeException freeFailed) {
                LOG.warn("operator backend: releasing the device copy of a user table failed: {}", freeFailed.getMessage());
            }
            users.onPullFailure(null);
            if (host == null) {
                host = cpu.newEmbeddingUpdater(config);
            }
            Replay log = logs.remove(users);
            if (log != null) {
                UpdateBatch part = new UpdateBatch(1_024);
                for (UpdateBatch b : log.batches) {
                    part.clear();
                    for (int i = 0; i < b.size(); i++) {
                        if (stale.get(b.user(i))) {
                            part.add(b.user(i), b.item(i), b.weight(i));
                        }
                    }
                    host.apply(users, log.items, part);
                }
            }
        }

        @Override
        public void close() {
            closeBoth(device, host);
        }
    }

    /** Batches applied on the device since a table's host side was last complete. */
    private static final class Replay {
        ItemCatalog items;
        long version;
        long events;
        final List<UpdateBatch> batches = new ArrayList<>();

        void clear() {
            items = null;
            events = 0;
            batches.clear();
        }

        void add(ItemCatalog catalog, UpdateBatch batch) {
            if (items == null) {
                items = catalog;
                version = catalog.version();
            }
            UpdateBatch copy = new UpdateBatch(Math.max(1, batch.size()));
            for (int i = 0; i < batch.size(); i++) {
                copy.add(batch.user(i), batch.item(i), batch.weight(i));
            }
            batches.add(copy);
            events += batch.size();
        }
    }

    private final class Sampler implements ThompsonSampler {
        private final ThompsonSampler device;
        private final long seed;
        private ThompsonSampler host;

        Sampler(ThompsonSampler device, long seed) {
            this.device = device;
            this.seed = seed;
        }

        @Override
        public void sample(long streamKey, long[] itemKeys, double[] alpha, double[] beta, int n, float[] out) {
            if (host == null) {
                try {
                    device.sample(streamKey, itemKeys, alpha, beta, n, out);
                    return;
                } catch (CudaException e) {
                    degraded("thompson sampler", e);
                    host = cpu.newThompsonSampler(seed);
                }
            }
            host.sample(streamKey, itemKeys, alpha, beta, n, out);
        }

        @Override
        public void close() {
            closeBoth(device, host);
        }
    }

    /**
     * The graph signal keeps its edge log (8 bytes an edge); after a fault the CPU operator gets every
     * edge and a rebuild from the catalog's current embeddings.
     */
    private final class Graph implements GraphSignal {
        private final GraphSignal device;
        private GraphSignal host;
        private int[] logUsers = new int[1024];
        private int[] logItems = new int[1024];
        private int logged;

        Graph(GraphSignal device) {
            this.device = device;
        }

        private void failOver(ItemCatalog catalog, CudaException e) {
            degraded("graph signal", e);
            host = cpu.newGraphSignal();
            for (int i = 0; i < logged; i++) {
                host.addEdge(catalog, logUsers[i], logItems[i]);
            }
            host.rebuild(catalog);
            logUsers = null;
            logItems = null;
        }

        @Override
        public void addEdge(ItemCatalog catalog, int user, int item) {
            if (host == null) {
                try {
                    device.addEdge(catalog, user, item);
                    if (logged == logUsers.length) {
                        logUsers = Arrays.copyOf(logUsers, 2 * logged);
                        logItems = Arrays.copyOf(logItems, 2 * logged);
                    }
                    logUsers[logged] = user;
                    logItems[logged++] = item;
                    return;
                } catch (CudaException e) {
                    failOver(catalog, e);
                }
            }
            host.addEdge(catalog, user, item);
        }

        @Override
        public void rebuild(ItemCatalog catalog) {
            if (host == null) {
                try {
                    device.rebuild(catalog);
                    return;
                } catch (CudaException e) {
                    failOver(catalog, e);
                }
            }
            host.rebuild(catalog);
        }

        @Override
        public void score(ItemCatalog catalog, int user, int[] items, int n, float[] out) {
            if (host == null) {
                try {
                    device.score(catalog, user, items, n, out);
                    return;
                } catch (CudaException e) {
                    failOver(catalog, e);
                }
            }
            host.score(catalog, user, items, n, out);
        }

        @Override
        public long edges() {
            return host == null ? device.edges() : host.edges();
        }

        @Override
        public void close() {
            closeBoth(device, host);
        }
    }

    private final class Reranker implements AttentionReranker {
        private final AttentionReranker device;
        private AttentionReranker host;

        Reranker(AttentionReranker device) {
            this.device = device;
        }

        @Override
        public void score(AttentionWeights weights, ItemCatalog catalog, float[] query, float[] context, int[] items, int n,
                float[] scores, float[] attention) {
            if (host == null) {
                try {
                    device.score(weights, catalog, query, context, items, n, scores, attention);
                    return;
                } catch (CudaException e) {
                    degraded("attention reranker", e);
                    host = cpu.newAttentionReranker();
                }
            }
            host.score(weights, catalog, query, context, items, n, scores, attention);
        }

        @Override
        public void close() {
            closeBoth(device, host);
        }
    }

    private final class Sketch implements PopularitySketch {
        private final PopularitySketch device;
        private final CountMinConfig config;
        private PopularitySketch host;
        private SketchState checkpoint;
        private final List<long[]> logKeys = new ArrayList<>();
        private final List<long[]> logTimes = new ArrayList<>();
        private long logged;

        Sketch(PopularitySketch device, CountMinConfig config) {
            this.device = device;
            this.config = config;
        }

        private void switchToHost(String what, CudaException e) {
            degraded("popularity sketch (" + what + ")", e);
            host = cpu.newPopularitySketch(config);
            if (checkpoint != null) {
                host.restore(checkpoint);
            }
            for (int i = 0; i < logKeys.size(); i++) {
                host.add(logKeys.get(i), logTimes.get(i), logKeys.get(i).length);
            }
            logKeys.clear();
            logTimes.clear();
        }

        @Override
        public CountMinConfig config() {
            return config;
        }

        @Override
        public void add(long[] keys, long[] eventTimesMs, int n) {
            if (host == null) {
                Objects.requireNonNull(keys, "keys");
                Objects.requireNonNull(eventTimesMs, "eventTimesMs");
                try {
                    device.add(keys, eventTimesMs, n);
                } catch (CudaException e) {
                    switchToHost("add", e); // replays the log, then this call below
                    host.add(keys, eventTimesMs, n);
                    return;
                }
                logKeys.add(Arrays.copyOf(keys, n));
                logTimes.add(Arrays.copyOf(eventTimesMs, n));
                logged += n;
                if (logged >= REPLAY_CAP) {
                    snapshot();
                }
                return;
            }
            host.add(keys, eventTimesMs, n);
        }

        @Override
        public long estimate(long key) {
            if (host == null) {
                try {
                    return device.estimate(key);
                } catch (CudaException e) {
                    switchToHost("estimate", e);
                }
            }
            return host.estimate(key);
        }

        @Override
        public void estimate(long[] keys, int n, long[] out) {
            if (host == null) {
                try {
                    device.estimate(keys, n, out);
                    return;
                } catch (CudaException e) {
                    switchToHost("estimate", e);
                }
            }
            host.estimate(keys, n, out);
        }

        @Override
        public long total() {
            return host == null ? device.total() : host.total();
        }

        @Override
        public List<HeavyHitter> heavyHitters() {
            if (host == null) {
                try {
                    return device.heavyHitters();
                } catch (CudaException e) {
                    switchToHost("heavyHitters", e);
                }
            }
            return host.heavyHitters();
        }

        @Override
        public int hotKeys(int limit, long[] out) {
            if (host == null) {
                try {
                    return device.hotKeys(limit, out);
                } catch (CudaException e) {
                    switchToHost("hotKeys", e);
                }
            }
            return host.hotKeys(limit, out);
        }

        @Override
        public SketchState snapshot() {
            if (host == null) {
                try {
                    SketchState s = device.snapshot();
                    checkpoint = s;
                    logKeys.clear();
                    logTimes.clear();
                    logged = 0;
                    return s;
                } catch (CudaException e) {
                    switchToHost("snapshot", e);
                }
            }
            return host.snapshot();
        }

        @Override
        public void restore(SketchState state) {
            if (host == null) {
                try {
                    device.restore(state);
                    checkpoint = state;
                    logKeys.clear();
                    logTimes.clear();
                    logged = 0;
                    return;
                } catch (CudaException e) {
                    switchToHost("restore", e);
                }
            }
            host.restore(state);
        }

        @Override
        public void close() {
            closeBoth(device, host);
        }
    }

    private static void closeBoth(AutoCloseable device, AutoCloseable host) {
        try {
            if (host != null) {
                host.close();
            }
        } catch (Exception e) {
            throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
        } finally {
            try {
                device.close();
            } catch (Exception e) {
                throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
            }
        }
    }
}
