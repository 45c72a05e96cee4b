package dev.hyperrec.topology.metrics;

import dev.hyperrec.operators.OperatorBackend;
import dev.hyperrec.topology.DeadLetter;
import dev.hyperrec.topology.engine.NeighbourTable;
import dev.hyperrec.topology.internal.DeviceMemory;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.function.ToDoubleFunction;

/**
 * hyperrec's own meters (docs/operations.md, "Metrics" lists each with its type and meaning): batch
 * sizes, per-operator latency, events and lists, event → list freshness, the popular-item cache,
 * heavy-hitter churn and the operator backend. Kafka Streams' and the JVM's meters are bound by
 * {@link MetricsServer}.
 *
 * <p>Meters are shared by all stream threads of an instance (Micrometer meters are thread-safe);
 * per-task state such as "hits counted so far" stays with each task's engine, which reports deltas.
 * {@link #disabled()} records nothing and tells the engine to skip work done only for metrics.
 */
public final class PipelineMetrics implements AutoCloseable {
    /** The operators whose time per flush is measured; {@link #tag()} is the {@code operator} tag. */
    public enum Operator {
        EMBEDDING_UPDATE, SCORING, SKETCH, THOMPSON, CACHE_REBUILD;

        public String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public static final String OPERATOR_LATENCY = "hyperrec.operator.latency";
    public static final String BATCH_SIZE = "hyperrec.batch.size";
    public static final String BATCH_FLUSH = "hyperrec.batch.flush";
    public static final String BATCH_FLUSHES = "hyperrec.batch.flushes";
    public static final String EVENTS_ACCEPTED = "hyperrec.events.accepted";
    public static final String EVENTS_DEAD_LETTERED = "hyperrec.events.dead.lettered";
    public static final String RECOMMENDATIONS = "hyperrec.recommendations";
    public static final String RECOMMENDATIONS_COALESCED = "hyperrec.recommendations.coalesced";
    public static final String FRESHNESS = "hyperrec.freshness";
    public static final String EVENT_QUEUE = "hyperrec.event.queue";
    public static final String BATCH_WAIT = "hyperrec.batch.wait";
    public static final String CACHE_LOOKUPS = "hyperrec.cache.lookups";
    public static final String CACHE_HIT_RATIO = "hyperrec.cache.hit.ratio";
    public static final String CACHE_REBUILDS = "hyperrec.cache.rebuilds";
    public static final String HOT_SET_ENTERED = "hyperrec.sketch.hot.set.entered";
    public static final String HOT_SET_CHURN = "hyperrec.sketch.hot.set.churn";
    public static final String BACKEND_ACTIVE = "hyperrec.backend.active";
    public static final String BACKEND_FALLBACKS = "hyperrec.backend.fallbacks";
    public static final String DEVICE_MEMORY_USED = "hyperrec.device.memory.used";
    public static final String DEVICE_MEMORY_FREE = "hyperrec.device.memory.free";
    public static final String DEVICE_MEMORY_TOTAL = "hyperrec.device.memory.total";
    public static final String THREAD_FAILURES = "hyperrec.stream.thread.failures";
    public static final String NEIGHBOURS_PUBLISHED = "hyperrec.neighbours.published";
    public static final String NEIGHBOURS_CHECKPOINTS = "hyperrec.neighbours.checkpoints";
    public static final String NEIGHBOURS_CHECKPOINT_RECORDS = "hyperrec.neighbours.checkpoint.records";
    public static final String NEIGHBOURS_CHECKPOINT_TIME = "hyperrec.neighbours.checkpoint.time";
    public static final String NEIGHBOURS_CHECKPOINT_PAIRS_CHANGED = "hyperrec.neighbours.checkpoint.pairs.changed";
    public static final String NEIGHBOURS_CHECKPOINT_PAIRS_WRITTEN = "hyperrec.neighbours.checkpoint.pairs.written";
    public static final String NEIGHBOURS_READ_BACK = "hyperrec.neighbours.read.back";
    public static final String NEIGHBOURS_ITEMS = "hyperrec.neighbours.items";

    private static final double[] PERCENTILES = {0.5, 0.95, 0.99};
    /** Suffix of the meter that carries a latency's p50/p95/p99 (see {@link Latency}). */
    public static final String QUANTILES_SUFFIX = ".quantiles";
    private static final PipelineMetrics DISABLED = new PipelineMetrics(new CompositeMeterRegistry(), false);

    private final MeterRegistry registry;
    private final boolean enabled;
    private final Map<Operator, Latency> operators = new EnumMap<>(Operator.class);
    private final Map<DeadLetter, Counter> deadLettered = new EnumMap<>(DeadLetter.class);
    private final DistributionSummary batchSize;
    private final Counter flushesAtSize;
    private final Counter flushesAtWait;
    private final Latency flush;
    private final Counter accepted;
    private final Counter recommendations;
    private final Counter coalesced;
    private final Latency freshness;
    private final Latency eventQueue;
    private final Latency batchWait;
    private final Counter cacheHits;
    private final Counter cacheMisses;
    private final Counter cacheRebuilds;
    private final Counter hotSetEntered;
    private final DistributionSummary hotSetChurn;
    private final Counter neighboursPublished;
    private final Counter neighbourCheckpoints;
    private final Counter neighbourCheckpointRecords;
    private final Timer neighbourCheckpointTime;
    private final Counter neighbourCheckpointPairsChanged;
    private final Counter neighbourCheckpointPairsWritten;
    private final Counter neighbourReadBack;
    private DeviceMemory deviceMemory;

    private PipelineMetrics(MeterRegistry registry, boolean enabled) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.enabled = enabled;
        for (Operator op : Operator.values()) {
            operators.put(op, new Latency(registry, OPERATOR_LATENCY,
                    "time one batch flush spent in the operator (all its calls of that flush); cache_rebuild: one rebuild",
                    Tags.of("operator", op.tag()), Duration.ofNanos(10_000), Duration.ofSeconds(30)));
        }
        for (DeadLetter reason : DeadLetter.values()) {
            deadLettered.put(reason, Counter.builder(EVENTS_DEAD_LETTERED)
                    .description("records sent to the dead-letter topic, by reason").tag("reason", reason.name())
                    .register(registry));
        }
        batchSize = DistributionSummary.builder(BATCH_SIZE).description("events per flushed batch").baseUnit("events")
                .publishPercentiles(PERCENTILES).register(registry);
        flushesAtSize = Counter.builder(BATCH_FLUSHES).description("batch flushes, by what triggered them: the size cap"
                + " (size) or the oldest event's wait bound (wait)").tag("trigger", "size").register(registry);
        flushesAtWait = Counter.builder(BATCH_FLUSHES).description("batch flushes, by what triggered them: the size cap"
                + " (size) or the oldest event's wait bound (wait)").tag("trigger", "wait").register(registry);
        flush = new Latency(registry, BATCH_FLUSH, "time of one batch flush: operators, ranking and state write-back",
                Tags.empty(), Duration.ofNanos(10_000), Duration.ofSeconds(30));
        accepted = Counter.builder(EVENTS_ACCEPTED).description("interactions and requests accepted into a batch")
                .register(registry);
        recommendations = Counter.builder(RECOMMENDATIONS).description("recommendation lists emitted").register(registry);
        coalesced = Counter.builder(RECOMMENDATIONS_COALESCED).description("triggering interactions that yielded no list of"
                + " their own: a later list of the same user in the same batch stands for them (hyperrec.recs.coalesce)")
                .register(registry);
        freshness = new Latency(registry, FRESHNESS,
                "from the triggering record's timestamp to the creation of its list (before the transaction commits)",
                Tags.empty(), Duration.ofMillis(1), Duration.ofMinutes(10));
        eventQueue = new Latency(registry, EVENT_QUEUE, "from an accepted record's timestamp to its acceptance by its task:"
                + " the producer, the broker, the fetch, and the wait while its stream thread was busy",
                Tags.empty(), Duration.ofMillis(1), Duration.ofMinutes(10));
        batchWait = new Latency(registry, BATCH_WAIT, "from an event's acceptance to the start of the flush that applies it",
                Tags.empty(), Duration.ofMillis(1), Duration.ofMinutes(10));
        cacheHits = Counter.builder(CACHE_LOOKUPS).description("popular-item cache lookups for a user's recent items")
                .tag("result", "hit").register(registry);
        cacheMisses = Counter.builder(CACHE_LOOKUPS).description("popular-item cache lookups for a user's recent items")
                .tag("result", "miss").register(registry);
        Gauge.builder(CACHE_HIT_RATIO, this, PipelineMetrics::hitRatio)
                .description("popular-item cache hits / lookups since start (NaN before the first lookup)").register(registry);
        cacheRebuilds = Counter.builder(CACHE_REBUILDS).description("popular-item cache rebuilds (drift, period or first build)")
                .register(registry);
        hotSetEntered = Counter.builder(HOT_SET_ENTERED).description("items that entered a task's heavy-hitter set")
                .register(registry);
        hotSetChurn = DistributionSummary.builder(HOT_SET_CHURN)
                .description("Jaccard distance between a task's heavy-hitter sets before and after a flush")
                .publishPercentiles(PERCENTILES).register(registry);
        neighboursPublished = Counter.builder(NEIGHBOURS_PUBLISHED)
                .description("item neighbour lists published to item-neighbours by this instance's aggregator tasks")
                .register(registry);
        neighbourCheckpoints = Counter.builder(NEIGHBOURS_CHECKPOINTS)
                .description("checkpoints of the co-occurrence counts by this instance's aggregator tasks").register(registry);
        neighbourCheckpointRecords = Counter.builder(NEIGHBOURS_CHECKPOINT_RECORDS)
                .description("records (chunks, occurrence counts, deletions) those checkpoints wrote to cooccurrence-counts")
                .register(registry);
        neighbourCheckpointTime = Timer.builder(NEIGHBOURS_CHECKPOINT_TIME)
                .description("time of one checkpoint of an aggregator task's counts (on its stream thread)").register(registry);
        neighbourCheckpointPairsChanged = Counter.builder(NEIGHBOURS_CHECKPOINT_PAIRS_CHANGED)
                .description("distinct (item, other) pairs whose counts those checkpoints stored anew").register(registry);
        neighbourCheckpointPairsWritten = Counter.builder(NEIGHBOURS_CHECKPOINT_PAIRS_WRITTEN)
                .description("pairs in the chunks those checkpoints wrote (a changed chunk is written whole): written / changed"
                        + " is the checkpoints' write amplification").register(registry);
        neighbourReadBack = Counter.builder(NEIGHBOURS_READ_BACK)
                .description("item-cooccurrence records read again by aggregator tasks at start-up (those since their last checkpoint)")
                .register(registry);
    }

    /** Meters registered in {@code registry}. */
    public static PipelineMetrics of(MeterRegistry registry) {
        return new PipelineMetrics(registry, true);
    }

    /** Records nothing (a registry without backends, shared); engines skip metrics-only work. */
    public static PipelineMetrics disabled() {
        return DISABLED;
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** Whether anything is recorded; callers skip work done only for metrics when false. */
    public boolean enabled() {
        return enabled;
    }

    /**
     * Registers the backend gauges: {@code hyperrec.backend.active{backend,configured} = 1}, the CPU
     * fallbacks of a CUDA backend, and device memory (only when the backend is CUDA).
     *
     * @param fallbacks the backend's fallback count (0 for a backend without fallback)
     * @param device the CUDA device the backend opened on (its memory is what the gauges read), asked for on CUDA only
     */
    public void bindBackend(OperatorBackend backend, String configured, ToDoubleFunction<OperatorBackend> fallbacks,
                            IntSupplier device) {
        if (!enabled) {
            return;
        }
        Gauge.builder(BACKEND_ACTIVE, () -> 1).description("1 for the operator backend in use (tag backend), with the configured choice")
                .tag("backend", backend.name()).tag("configured", configured).strongReference(true).register(registry);
        FunctionCounter.builder(BACKEND_FALLBACKS, backend, fallbacks)
                .description("operators switched from CUDA to the CPU reference after a device fault").register(registry);
        if ("cuda".equals(backend.name())) {
            deviceMemory = DeviceMemory.open(device.getAsInt());
            String ordinal = Integer.toString(deviceMemory.ordinal());
            Gauge.builder(DEVICE_MEMORY_USED, deviceMemory, DeviceMemory::usedBytes).baseUnit("bytes")
                    .description("device memory in use (all processes), from cuMemGetInfo").tag("device", ordinal).register(registry);
            Gauge.builder(DEVICE_MEMORY_FREE, deviceMemory, DeviceMemory::freeBytes).baseUnit("bytes")
                    .description("free device memory, from cuMemGetInfo").tag("device", ordinal).register(registry);
            Gauge.builder(DEVICE_MEMORY_TOTAL, deviceMemory, DeviceMemory::totalBytes).baseUnit("bytes")
                    .description("device memory size").tag("device", ordinal).register(registry);
        }
    }

    /** Registers {@code hyperrec.stream.thread.failures}. */
    public <T> void bindThreadFailures(T source, ToDoubleFunction<T> failures) {
        if (!enabled) {
            return;
        }
        FunctionCounter.builder(THREAD_FAILURES, source, failures)
                .description("stream threads that died with an exception and were replaced").register(registry);
    }

    /** Binds the gauge of items with a neighbour list in this instance's view of {@code item-neighbours}. */
    public void bindNeighbours(NeighbourTable table) {
        if (!enabled) {
            return; // the shared disabled registry would keep the first runtime's table
        }
        Gauge.builder(NEIGHBOURS_ITEMS, table, NeighbourTable::size)
                .description("items with a published neighbour list in this instance's view").register(registry);
    }

    public void neighbourListsPublished(int lists) {
        neighboursPublished.increment(lists);
    }

    /**
     * One checkpoint of an aggregator task's counts that wrote {@code records} store records in {@code nanos}, storing
     * {@code pairsChanged} changed pairs in chunks that hold {@code pairsWritten} pairs.
     */
    public void neighbourCheckpoint(int records, long pairsChanged, long pairsWritten, long nanos) {
        neighbourCheckpoints.increment();
        neighbourCheckpointRecords.increment(records);
        neighbourCheckpointPairsChanged.increment(pairsChanged);
        neighbourCheckpointPairsWritten.increment(pairsWritten);
        neighbourCheckpointTime.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** An aggregator task read {@code records} records of {@code item-cooccurrence} again when it started. */
    public void neighbourReadBack(long records) {
        neighbourReadBack.increment(records);
    }

    public void operator(Operator op, long nanos) {
        operators.get(op).record(nanos);
    }

    /** One flushed batch of {@code events}, {@code timed} when the wait bound triggered it (else the size cap). */
    public void batch(int events, long flushNanos, boolean timed) {
        (timed ? flushesAtWait : flushesAtSize).increment();
        batchSize.record(events);
        flush.record(flushNanos);
    }

    public void deadLettered(DeadLetter reason) {
        deadLettered.get(reason).increment();
    }

    /** One emitted list whose triggering record was stamped {@code recordTimeMs}, created at {@code createdMs}. */
    public void recommendation(long recordTimeMs, long createdMs) {
        recommendations.increment();
        if (recordTimeMs >= 0) {
            // clocks of producer and app may differ slightly: a list is never older than "now"
            freshness.record(TimeUnit.MILLISECONDS.toNanos(Math.max(0, createdMs - recordTimeMs)));
        }
    }

    /**
     * A triggering record stamped {@code recordTimeMs} whose list is a later event's, created at {@code createdMs}
     * ({@code hyperrec.recs.coalesce}): counted apart from the lists, and in the freshness like its own list.
     */
    public void coalesced(long recordTimeMs, long createdMs) {
        coalesced.increment();
        if (recordTimeMs >= 0) {
            freshness.record(TimeUnit.MILLISECONDS.toNanos(Math.max(0, createdMs - recordTimeMs)));
        }
    }

    /** A record stamped {@code recordTimeMs} accepted into its task's batch at {@code acceptedMs} (wall clock). */
    public void accepted(long recordTimeMs, long acceptedMs) {
        accepted.increment();
        if (recordTimeMs >= 0) {
            eventQueue.record(TimeUnit.MILLISECONDS.toNanos(Math.max(0, acceptedMs - recordTimeMs)));
        }
    }

    /** An event accepted at {@code acceptedMs} whose flush began at {@code flushStartMs}. */
    public void batchWait(long acceptedMs, long flushStartMs) {
        batchWait.record(TimeUnit.MILLISECONDS.toNanos(Math.max(0, flushStartMs - acceptedMs)));
    }

    public void cache(long hits, long misses, long rebuilds) {
        if (hits > 0) {
            cacheHits.increment(hits);
        }
        if (misses > 0) {
            cacheMisses.increment(misses);
        }
        if (rebuilds > 0) {
            cacheRebuilds.increment(rebuilds);
        }
    }

    /** A flush changed a task's hot set: {@code entered} new keys, Jaccard distance {@code churn}. */
    public void hotSet(long entered, double churn) {
        if (entered > 0) {
            hotSetEntered.increment(entered);
        }
        hotSetChurn.record(churn);
    }

    /**
     * A latency as two meters: {@code name} with a percentile histogram (Prometheus {@code _bucket}
     * series: aggregatable, {@code histogram_quantile}) and {@code name.quantiles} with p50/p95/p99
     * computed in the app over a sliding window (Prometheus {@code quantile} label). Prometheus'
     * client cannot publish both on one meter, and operators asked for both.
     */
    private static final class Latency {
        private final Timer histogram;
        private final Timer quantiles;

        Latency(MeterRegistry registry, String name, String description, Tags tags, Duration min, Duration max) {
            histogram = Timer.builder(name).description(description).tags(tags).publishPercentileHistogram()
                    .minimumExpectedValue(min).maximumExpectedValue(max).register(registry);
            quantiles = Timer.builder(name + QUANTILES_SUFFIX).description(description + "; p50/p95/p99 over the last minutes")
                    .tags(tags).publishPercentiles(PERCENTILES).register(registry);
        }

        void record(long nanos) {
            histogram.record(nanos, TimeUnit.NANOSECONDS);
            quantiles.record(nanos, TimeUnit.NANOSECONDS);
        }
    }

    private double hitRatio() {
        double h = cacheHits.count();
        double total = h + cacheMisses.count();
        return total == 0 ? Double.NaN : h / total;
    }

    @Override
    public void close() {
        if (deviceMemory != null) {
            deviceMemory.close();
        }
    }
}
