package dev.hyperrec.topology;

import dev.hyperrec.topology.internal.BanditLog;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/** Store contents rendered comparably (byte keys and values as hex), for state-equality tests. */
public final class StoreDumps {
    private StoreDumps() {
    }

    /** Every {@code key=value} row of a store, in the store's order. */
    public static List<String> rows(ReadOnlyKeyValueStore<?, ?> store) {
        List<String> rows = new ArrayList<>();
        try (KeyValueIterator<?, ?> it = store.all()) {
            it.forEachRemaining(e -> rows.add(render(e.key) + "=" + render(e.value)));
        }
        return rows;
    }

    /**
     * The rows of the store named {@code name}: for {@code bandit-params}, its arms ({@code segment/item=impressions,clicks},
     * sorted) whichever records hold them, since how {@link BanditLog} spreads them over records depends on the flushes.
     */
    public static List<String> rows(String name, ReadOnlyKeyValueStore<?, ?> store) {
        if (!name.equals(StoreNames.BANDIT)) {
            return rows(store);
        }
        List<KeyValue<Bytes, byte[]>> records = new ArrayList<>();
        try (KeyValueIterator<?, ?> it = store.all()) {
            it.forEachRemaining(e -> records.add(KeyValue.pair((Bytes) e.key, (byte[]) e.value)));
        }
        List<String> rows = new ArrayList<>();
        BanditLog.decode(records.iterator()).forEach((segment, item, impressions, clicks) ->
                rows.add(segment + "/" + item + "=" + impressions + "," + clicks));
        return rows;
    }

    /** The rows of each named store of each partition on {@code streams}, keyed {@code store#partition}. */
    public static Map<String, List<String>> snapshot(KafkaStreams streams, List<String> stores, int partitions) {
        Map<String, List<String>> out = new TreeMap<>();
        for (String store : stores) {
            for (int p = 0; p < partitions; p++) {
                out.put(store + "#" + p, rows(store, store(streams, store, p)));
            }
        }
        return out;
    }

    /** A task store of {@code streams}, or of its model instance ({@link HyperrecApp#model}) when that one holds it. */
    public static ReadOnlyKeyValueStore<Object, Object> store(KafkaStreams streams, String store, int partition) {
        StoreQueryParameters<ReadOnlyKeyValueStore<Object, Object>> q = StoreQueryParameters
                .fromNameAndType(store, QueryableStoreTypes.<Object, Object>keyValueStore()).withPartition(partition);
        KafkaStreams model = HyperrecApp.model(streams);
        if (model != null && (HyperrecTopology.MODEL_STORES.contains(store) || store.equals(HyperrecTopology.MODEL_PROGRESS_STORE))) {
            return model.store(q);
        }
        return streams.store(q);
    }

    /**
     * Whether every aggregator task on {@code streams} (or its model instance) has checkpointed all it read: its
     * counts store then holds the counts of every record it read (the rest is in memory until a checkpoint).
     */
    public static boolean modelCheckpointed(KafkaStreams streams, int partitions) {
        for (int p = 0; p < partitions; p++) {
            ReadOnlyKeyValueStore<Object, Object> progress = store(streams, HyperrecTopology.MODEL_PROGRESS_STORE, p);
            Object read = progress.get(dev.hyperrec.topology.internal.NeighbourAggregator.READ);
            Object checkpointed = progress.get(dev.hyperrec.topology.internal.NeighbourAggregator.CHECKPOINTED);
            if (read != null && (checkpointed == null || (Long) checkpointed != (Long) read + 1)) {
                return false;
            }
        }
        return true;
    }

    public static String render(Object o) {
        if (o instanceof byte[] b) {
            return HexFormat.of().formatHex(b);
        }
        if (o instanceof Bytes b) {
            return HexFormat.of().formatHex(b.get());
        }
        return String.valueOf(o);
    }
}
