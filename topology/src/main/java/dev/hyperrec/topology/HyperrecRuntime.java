package dev.hyperrec.topology;

import dev.hyperrec.operators.Backends;
import dev.hyperrec.operators.ItemCatalog;
import dev.hyperrec.operators.OperatorBackend;
import dev.hyperrec.schemas.AvroSerdes;
import dev.hyperrec.schemas.registry.SchemaRegistryClient;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;

/**
 * What one {@link org.apache.kafka.streams.KafkaStreams} instance shares between its threads: the
 * operator backend (one device), the item catalog mirrored from the global catalog store, and the
 * Serde factory. Owns the backend; {@link #close()} after the Streams instance is closed.
 */
public final class HyperrecRuntime implements AutoCloseable {
    private final HyperrecConfig config;
    private final OperatorBackend backend;
    private final ItemCatalog catalog;
    private final SerdeFactory serdes;
    private final java.util.concurrent.atomic.AtomicLong threadFailures = new java.util.concurrent.atomic.AtomicLong();

    public HyperrecRuntime(HyperrecConfig config, OperatorBackend backend, SerdeFactory serdes) {
        this.config = config;
        this.backend = backend;
        this.serdes = serdes;
        this.catalog = new ItemCatalog(config.dim(), config.getInt(HyperrecConfig.CATALOG_INITIAL_CAPACITY));
    }

    /** Opens the configured backend; Serdes talk to the registry named in the config. */
    public static HyperrecRuntime create(HyperrecConfig config) {
        Map<String, Object> serdeConfig = config.serdeConfig();
        return new HyperrecRuntime(config, Backends.open(config.backend()), new SerdeFactory() {
            @Override
            public <T extends SpecificRecord> Serde<T> serde(Class<T> type, boolean isKey) {
                return AvroSerdes.forClass(type, serdeConfig, isKey);
            }
        });
    }

    /** Opens the configured backend; Serdes use the given registry client (tests, the in-process demo). */
    public static HyperrecRuntime create(HyperrecConfig config, SchemaRegistryClient registry) {
        Map<String, Object> serdeConfig = config.serdeConfig();
        return new HyperrecRuntime(config, Backends.open(config.backend()), new SerdeFactory() {
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

    public SerdeFactory serdes() {
        return serdes;
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
        backend.close();
    }
}
