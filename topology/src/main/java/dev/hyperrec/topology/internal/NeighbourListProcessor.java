package dev.hyperrec.topology.internal;

import dev.hyperrec.topology.HyperrecRuntime;
import dev.hyperrec.topology.StoreNames;
import dev.hyperrec.topology.engine.NeighbourTable;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maintains the global {@code item-neighbours-store} (8-byte item key → the published list's bytes)
 * and mirrors it into the runtime's {@link NeighbourTable}, which every task's engine reads. Runs on
 * the Streams global thread; on start it loads what the store already holds. A record that does not
 * decode is logged, counted and skipped (a global processor has no downstream; the aggregator, which
 * writes this topic, never produces one).
 */
public final class NeighbourListProcessor implements Processor<byte[], byte[], Void, Void> {
    private static final Logger LOG = LoggerFactory.getLogger(NeighbourListProcessor.class);
    private final HyperrecRuntime runtime;
    private KeyValueStore<Bytes, byte[]> store;
    private long rejected;

    public NeighbourListProcessor(HyperrecRuntime runtime) {
        this.runtime = runtime;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        store = context.getStateStore(StoreNames.NEIGHBOURS);
        List<KeyValue<Bytes, byte[]>> all = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = store.all()) {
            it.forEachRemaining(all::add);
        }
        int loaded = 0;
        for (KeyValue<Bytes, byte[]> kv : all) {
            if (apply(kv.key.get(), kv.value)) {
                loaded++;
            }
        }
        LOG.info("item neighbours: {} lists loaded from the global store", loaded);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        if (apply(record.key(), record.value())) {
            Bytes key = Bytes.wrap(record.key());
            if (record.value() == null) {
                store.delete(key);
            } else {
                store.put(key, record.value());
            }
        }
    }

    private boolean apply(byte[] key, byte[] value) {
        try {
            long item = NeighbourCodecs.key(key);
            if (value == null) {
                runtime.neighbours().remove(item);
            } else {
                runtime.neighbours().put(item, NeighbourCodecs.list(value));
            }
            return true;
        } catch (IllegalArgumentException e) {
            rejected++;
            LOG.warn("item-neighbours record skipped: {} (rejected so far: {})", e.getMessage(), rejected);
            return false;
        }
    }
}
