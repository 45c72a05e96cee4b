package dev.hyperrec.topology.internal;

import dev.hyperrec.avro.CatalogItem;
import dev.hyperrec.operators.ItemCatalog;
import dev.hyperrec.topology.HyperrecRuntime;
import dev.hyperrec.topology.StoreNames;
import dev.hyperrec.topology.Topics;
import java.util.List;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maintains the global catalog store (itemId → the record's raw bytes) and mirrors it into the
 * runtime's {@link ItemCatalog}. Runs on the Streams global thread. On start it loads whatever the
 * store already holds (after a restore the store is filled from the topic without this processor).
 * Bad catalog records are logged and skipped: a global processor has no downstream to send them to.
 */
public final class CatalogProcessor implements Processor<String, byte[], Void, Void> {
    private static final Logger LOG = LoggerFactory.getLogger(CatalogProcessor.class);
    private final HyperrecRuntime runtime;
    private KeyValueStore<String, byte[]> store;
    private Deserializer<CatalogItem> deserializer;
    private long rejected;

    public CatalogProcessor(HyperrecRuntime runtime) {
        this.runtime = runtime;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        store = context.getStateStore(StoreNames.CATALOG);
        deserializer = runtime.serdes().serde(CatalogItem.class, false).deserializer();
        int loaded = 0;
        try (KeyValueIterator<String, byte[]> it = store.all()) {
            List<KeyValue<String, byte[]>> all = new java.util.ArrayList<>();
            it.forEachRemaining(all::add);
            for (KeyValue<String, byte[]> kv : all) {
                if (apply(kv.key, kv.value)) {
                    loaded++;
                }
            }
        }
        LOG.info("catalog: {} items loaded from the global store", loaded);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        if (record.key() == null) {
            rejected++;
            LOG.warn("catalog record without key skipped (rejected so far: {})", rejected);
            return;
        }
        if (apply(record.key(), record.value())) {
            if (record.value() == null) {
                store.delete(record.key());
            } else {
                store.put(record.key(), record.value());
            }
        }
    }

    private boolean apply(String itemId, byte[] bytes) {
        ItemCatalog catalog = runtime.catalog();
        if (bytes == null) {
            catalog.remove(itemId);
            return true;
        }
        try {
            CatalogItem item = deserializer.deserialize(runtime.config().topic(Topics.CATALOG), bytes);
            if (item == null) {
                catalog.remove(itemId);
                return true;
            }
            if (!itemId.equals(item.getItemId())) {
                throw new IllegalArgumentException("key " + itemId + " differs from itemId " + item.getItemId());
            }
            if (!item.getActive()) {
                catalog.remove(itemId);
                return true;
            }
            List<Float> emb = item.getEmbedding();
            if (emb.size() != item.getDimension()) {
                throw new IllegalArgumentException("embedding has " + emb.size() + " values, dimension says " + item.getDimension());
            }
            float[] v = new float[emb.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = emb.get(i);
            }
            catalog.upsert(itemId, v);
            return true;
        } catch (RuntimeException e) {
            rejected++;
            LOG.warn("catalog record for item '{}' skipped: {} (rejected so far: {})", itemId, e.getMessage(), rejected);
            return false;
        }
    }
}
