package dev.hyperrec.topology.internal;

import dev.hyperrec.avro.InteractionType;
import dev.hyperrec.operators.ItemKeys;
import dev.hyperrec.topology.HyperrecConfig;
import dev.hyperrec.topology.NodeNames;
import dev.hyperrec.topology.engine.CoOccurrenceCosine;
import dev.hyperrec.topology.engine.EventWeights;
import dev.hyperrec.topology.engine.PendingEvent;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The per-user half of the streaming item-to-item model ({@link CoOccurrenceCosine}): for each
 * positive interaction of a flushed batch, in partition order, it counts the item's occurrence and its
 * co-occurrence with the user's last {@code hyperrec.neighbours.window} distinct positive items (kept in
 * the changelogged {@code cooccurrence-windows} store; an item already in the window is not counted
 * again, {@link CoOccurrenceCosine#touch}), sums the increments of the batch per item, and
 * forwards them to {@code item-cooccurrence} keyed by item, where {@link NeighbourAggregator} adds them
 * up. Runs inside the batching processor's flush, so the increments, the windows and the lists of a
 * batch commit in one transaction.
 *
 * <p>Thread affinity: the task's stream thread.
 */
final class CoOccurrenceEmitter {
    private final int window;
    private final EventWeights weights;
    private final KeyValueStore<String, byte[]> windows;
    private final Map<String, long[]> open = new HashMap<>();
    private final Map<String, Integer> openSize = new HashMap<>();
    private final TreeMap<Long, Sum> sums = new TreeMap<>();

    /** One item's increments within a batch. */
    private static final class Sum {
        int occurrences;
        final TreeMap<Long, Integer> pairs = new TreeMap<>();
    }

    CoOccurrenceEmitter(HyperrecConfig config, KeyValueStore<String, byte[]> windows) {
        this.window = config.getInt(HyperrecConfig.NEIGHBOURS_WINDOW);
        this.weights = new EventWeights(config);
        this.windows = windows;
    }

    /** Learns the positive interactions of {@code batch} in order, forwards the increments, writes the windows back. */
    void emit(List<PendingEvent> batch, ProcessorContext<Object, Object> context) {
        long timestamp = -1;
        for (PendingEvent e : batch) {
            if (e.request() || weights.weight(InteractionType.values()[e.type()], e.value()) <= 0f) {
                continue;
            }
            learn(e.userId(), ItemKeys.hash64(e.itemId()));
            timestamp = e.recordTimeMs();
        }
        if (timestamp < 0) {
            return;
        }
        for (Map.Entry<Long, Sum> s : sums.entrySet()) {
            Sum sum = s.getValue();
            long[] others = new long[sum.pairs.size()];
            int[] counts = new int[others.length];
            int i = 0;
            for (Map.Entry<Long, Integer> p : sum.pairs.entrySet()) {
                others[i] = p.getKey();
                counts[i++] = p.getValue();
            }
            byte[] key = NeighbourCodecs.key(s.getKey());
            int from = 0;
            do {
                int to = Math.min(others.length, from + NeighbourCodecs.MAX_PAIRS);
                byte[] value = NeighbourCodecs.increment(from == 0 ? sum.occurrences : 0, others, counts, from, to);
                context.forward(new Record<Object, Object>(key, value, timestamp), NodeNames.COOCCURRENCE_SINK);
                from = to;
            } while (from < others.length);
        }
        sums.clear();
        for (Map.Entry<String, long[]> w : open.entrySet()) {
            windows.put(w.getKey(), NeighbourCodecs.window(w.getValue(), openSize.get(w.getKey())));
        }
        open.clear();
        openSize.clear();
    }

    private void learn(String user, long item) {
        long[] recent = open.get(user);
        if (recent == null) {
            byte[] stored = windows.get(user);
            long[] keys = stored == null ? new long[0] : NeighbourCodecs.window(stored);
            int keep = Math.min(keys.length, window);
            recent = new long[window];
            System.arraycopy(keys, keys.length - keep, recent, 0, keep);
            open.put(user, recent);
            openSize.put(user, keep);
        }
        int size = openSize.get(user);
        if (CoOccurrenceCosine.touch(recent, size, item)) {
            return; // already in the user's window: counted once while it stays there
        }
        Sum own = sums.computeIfAbsent(item, k -> new Sum());
        for (int j = 0; j < size; j++) {
            long other = recent[j];
            own.pairs.merge(other, 1, Integer::sum);
            sums.computeIfAbsent(other, k -> new Sum()).pairs.merge(item, 1, Integer::sum);
        }
        own.occurrences++;
        openSize.put(user, CoOccurrenceCosine.append(recent, size, item));
    }
}
