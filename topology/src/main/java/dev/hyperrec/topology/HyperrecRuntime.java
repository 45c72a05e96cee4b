package dev.hyperrec.topology;

import dev.hyperrec.operators.Backends;
import dev.hyperrec.operators.ItemCatalog;
import dev.hyperrec.operators.OperatorBackend;
import dev.hyperrec.schemas.AvroSerdes;
import dev.hyperrec.operators.internal.cuda.FallbackBackend;
import dev.hyperrec.schemas.registry.SchemaRegistryClient;
import dev.hyperrec.topology.engine.NeighbourTable;
import dev.hyperrec.topology.metrics.PipelineMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;

/**
 * What one {@link org.apache.kafka.streams.KafkaStreams} instance shares between its threads: the
 * operator backend (one device), the item catalog mirrored from the global catalog store, the
 * item-to-item model's lists mirrored from the global {@code item-neighbours} store, and the Serde
 * factory. Owns the backend; {@link #close()} after the Streams instance is closed.
 */
public final class HyperrecRuntime implements AutoCloseable {
    private final HyperrecConfig config;
    private final OperatorBackend backend;
    private final ItemCatalog catalog;
    private final NeighbourTable neighbours = new NeighbourTable();
    private final SerdeFactory serdes;
    private final java.util.concurrent.atomic.AtomicLong threadFailures = new java.util.concurrent.atomic.AtomicLong();
    private final PipelineMetrics metrics;
    private volatile java.util.function.LongSupplier durationClock = System::nanoTime;
    /** One per stream thread: the tasks of a thread share its commits ({@link dev.hyperrec.topology.internal.CommitGate}). */
    private final ThreadLocal<dev.hyperrec.topology.internal.CommitGate> commitGates =
            ThreadLocal.withInitial(() -> new dev.hyperrec.topology.internal.CommitGate(commitQueueShare()));

    public HyperrecRuntime(HyperrecConfig config, OperatorBackend backend, SerdeFactory serdes) {
        this(config, backend, serdes, PipelineMetrics.disabled());
    }

    /**
     * A runtime whose tasks report to {@code metrics}; binds the backend gauges (active backend,
     * CPU fallbacks, device memory on CUDA) and the stream-thread failure counter to it.
     */
    public HyperrecRuntime(HyperrecConfig config, OperatorBackend backend, SerdeFactory serdes, PipelineMetrics metrics) {
        this.config = config;
        this.backend = backend;
        this.serdes = serdes;
        this.metrics = java.util.Objects.requireNonNull(metrics, "metrics");
        this.catalog = new ItemCatalog(config.dim(), config.getInt(HyperrecConfig.CATALOG_INITIAL_CAPACITY));
        // the device is read on CUDA only: a CPU run neither needs nor checks the CUDA device's setting
        metrics.bindBackend(backend, config.backend().id(), HyperrecRuntime::fallbacks, config::cudaDevice);
        metrics.bindThreadFailures(this, HyperrecRuntime::threadFailures);
        metrics.bindNeighbours(neighbours);
    }

    /**
     * The clock (ns) by which tasks time their flushes for pacing ({@code hyperrec.batch.flush.interval.ms}'s rule that
     * timed flushes take at most half a task's time): {@link System#nanoTime} unless a test on a TopologyTestDriver,
     * whose wall clock is its own, sets another with {@link #durationClock(java.util.function.LongSupplier)}.
     */
    public long nanoTime() {
        return durationClock.getAsLong();
    }

    /** Replaces {@link #nanoTime()}'s clock (tests); set before the tasks start. */
    public void durationClock(java.util.function.LongSupplier clock) {
        this.durationClock = java.util.Objects.requireNonNull(clock, "clock");
    }

    private double commitQueueShare() {
        return config.getDouble(HyperrecConfig.BATCH_COMMIT_QUEUE_SHARE);
    }

    /** The calling stream thread's commit gate (its tasks' timed flushes share it). */
    public dev.hyperrec.topology.internal.CommitGate commitGate() {
        return commitGates.get();
    }

    /** CPU fallbacks of a CUDA backend ({@link FallbackBackend}); 0 for any other backend. */
    static double fallbacks(OperatorBackend backend) {
        return backend instanceof FallbackBackend f ? f.fallbacks() : 0;
    }

    /** Opens the configured backend; Serdes talk to the registry named in the config. */
    public static HyperrecRuntime create(HyperrecConfig config) {
        Map<String, Object> serdeConfig = config.serdeConfig();
        return new HyperrecRuntime(config, Backends.open(config.backend(), config.backendOptions()), new SerdeFactory() {
            @Override
            public <T extends SpecificRecord> Serde<T> serde(Class<T> type, boolean isKey) {
                return AvroSerdes.forClass(type, serdeConfig, isKey);
            }
        });
    }

    /** Opens the configured backend; Serdes talk to the registry named in the config; tasks report to {@code registry}. */
    public static HyperrecRuntime create(HyperrecConfig config, MeterRegistry registry) {
        Map<String, Object> serdeConfig = config.serdeConfig();
        return new HyperrecRuntime(config, Backends.open(config.backend(), config.backendOptions()), new SerdeFactory() {
            @Override
            public <T extends SpecificRecord> Serde<T> serde(Class<T> type, boolean isKey) {
                return AvroSerdes.forClass(type, serdeConfig, isKey);
            }
        }, PipelineMetrics.of(registry));
    }

    /** Opens the configured backend; Serdes use the given registry client (tests, the in-process demo). */
    public static HyperrecRuntime create(HyperrecConfig config, SchemaRegistryClient registry) {
        Map<String, Object> serdeConfig = config.serdeConfig();
        return new HyperrecRuntime(config, Backends.open(config.backend(), config.backendOptions()), new SerdeFactory() {
            @Override
            public <T extends SpecificRecord> Serde<T> serde(Class<T> type, boolean isKey) {
                return AvroSerdes.forClass(type, registry, serdeConfig, isKey);
            }
        });
    }

    public HyperrecConfig config() {
        return config;
    }

    public OperatorBackend backend() {
        return backend;
    }

    public ItemCatalog catalog() {
        return catalog;
    }

    /** The published neighbour lists (empty while {@code hyperrec.neighbours.enabled} is false). */
    public NeighbourTable neighbours() {
        return neighbours;
    }

    public SerdeFactory serdes() {
        return serdes;
    }

    /** Where tasks report ({@link PipelineMetrics#disabled()} unless given one). */
    public PipelineMetrics metrics() {
        return metrics;
    }

    /** CPU fallbacks of the backend's operators after CUDA faults (0 on the CPU backend). */
    public long backendFallbacks() {
        return (long) fallbacks(backend);
    }

    /** Stream threads that died with an exception (each was replaced). */
    public long threadFailures() {
        return threadFailures.get();
    }

    void recordThreadFailure() {
        threadFailures.incrementAndGet();
    }

    @Override
    public void close() {
        try {
            metrics.close();
        } finally {
            backend.close();
        }
    }
}
