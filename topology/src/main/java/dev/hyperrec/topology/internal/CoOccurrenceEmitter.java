package dev.hyperrec.topology.internal;

import dev.hyperrec.avro.InteractionType;
import dev.hyperrec.operators.ItemKeys;
import dev.hyperrec.operators.internal.LongIntHashMap;
import dev.hyperrec.topology.HyperrecConfig;
import dev.hyperrec.topology.NodeNames;
import dev.hyperrec.topology.engine.CoOccurrenceCosine;
import dev.hyperrec.topology.engine.EventWeights;
import dev.hyperrec.topology.engine.PendingEvent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
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
    /** The batch's pair increments, (pairItem[i], pairOther[i]) one each, both directions of every pair. */
    private long[] pairItem = new long[1024];
    private long[] pairOther = new long[1024];
    private int pairs;
    /** The batch's occurrence increments, one item key per counted event. */
    private long[] counted = new long[256];
    private int occurrences;
    /** The record timestamp of the last event learned since the last send; -1: none. */
    private long timestamp = -1;

    CoOccurrenceEmitter(HyperrecConfig config, KeyValueStore<String, byte[]> windows) {
        this.window = config.getInt(HyperrecConfig.NEIGHBOURS_WINDOW);
        this.weights = new EventWeights(config);
        this.windows = windows;
    }

    /** Learns the positive interactions of {@code batch} in order, forwards the increments, writes the windows back. */
    void emit(List<PendingEvent> batch, ProcessorContext<Object, Object> context) {
        learn(batch);
        send(context);
    }

    /** Learns the positive interactions of {@code batch} in order; see {@link #learn(PendingEvent)}. */
    void learn(List<PendingEvent> batch) {
        for (PendingEvent e : batch) {
            learn(e);
        }
    }

    /**
     * Learns {@code e} if it is a positive interaction (no request, no non-positive weight), after those learned before and
     * not yet sent: its pair increments accumulate in memory, and its user's window moves on in memory (the store keeps it
     * as of the last {@link #send}). A task that stops before sending learns the same events again from its batch buffer.
     *
     * @return whether {@code e} was learned
     */
    boolean learn(PendingEvent e) {
        if (e.request() || weights.weight(InteractionType.values()[e.type()], e.value()) <= 0f) {
            return false;
        }
        learn(e.userId(), ItemKeys.hash64(e.itemId()));
        timestamp = e.recordTimeMs();
        return true;
    }

    /** Forwards the increments learned since the last send, summed, and writes the windows they moved back. */
    void send(ProcessorContext<Object, Object> context) {
        if (timestamp < 0) {
            return;
        }
        forward(timestamp, context);
        pairs = 0;
        occurrences = 0;
        timestamp = -1;
        // one RocksDB write batch for them all (BatchingProcessor.writeBack does the same), the same records in the same order
        List<KeyValue<String, byte[]>> moved = new ArrayList<>(open.size());
        for (Map.Entry<String, long[]> w : open.entrySet()) {
            moved.add(KeyValue.pair(w.getKey(), NeighbourCodecs.window(w.getValue(), openSize.get(w.getKey()))));
        }
        BatchingProcessor.putAll(windows, moved);
        open.clear();
        openSize.clear();
    }

    /**
     * Sums the batch's increments per item and pair and forwards one record per item (more past
     * {@link NeighbourCodecs#MAX_PAIRS} pairs), items in ascending key order and each item's pairs in ascending order
     * of the other key: the items are ranked by key, each pair is packed into one long (item rank, other rank), and the
     * packed pairs are sorted and counted in runs, without a map entry per pair.
     */
    private void forward(long timestamp, ProcessorContext<Object, Object> context) {
        LongIntHashMap rankOf = new LongIntHashMap(Math.max(16, occurrences + pairs));
        long[] keys = new long[occurrences + pairs];
        int distinct = 0;
        for (int i = 0; i < occurrences + pairs; i++) {
            long k = i < occurrences ? counted[i] : pairItem[i - occurrences];
            if (!rankOf.containsKey(k)) {
                rankOf.put(k, 0);
                keys[distinct++] = k;
            }
        }
        keys = Arrays.copyOf(keys, distinct);
        Arrays.sort(keys);
        for (int r = 0; r < distinct; r++) {
            rankOf.put(keys[r], r);
        }
        int[] occurrenceCount = new int[distinct];
        for (int i = 0; i < occurrences; i++) {
            occurrenceCount[rankOf.get(counted[i], -1)]++;
        }
        long[] packed = new long[pairs];
        for (int i = 0; i < pairs; i++) {
            packed[i] = ((long) rankOf.get(pairItem[i], -1) << 32) | rankOf.get(pairOther[i], -1);
        }
        sortByRanks(packed, distinct);
        long[] others = new long[Math.min(pairs, 64)];
        int[] counts = new int[others.length];
        int p = 0;
        for (int r = 0; r < distinct; r++) {
            int n = 0;
            while (p < pairs && (int) (packed[p] >>> 32) == r) {
                long code = packed[p];
                int run = 0;
                while (p < pairs && packed[p] == code) {
                    run++;
                    p++;
                }
                if (n == others.length) {
                    others = Arrays.copyOf(others, 2 * n);
                    counts = Arrays.copyOf(counts, 2 * n);
                }
                others[n] = keys[(int) code];
                counts[n++] = run;
            }
            byte[] key = NeighbourCodecs.key(keys[r]);
            int from = 0;
            do {
                int to = Math.min(n, from + NeighbourCodecs.MAX_PAIRS);
                byte[] value = NeighbourCodecs.increment(from == 0 ? occurrenceCount[r] : 0, others, counts, from, to);
                context.forward(new Record<Object, Object>(key, value, timestamp), NodeNames.COOCCURRENCE_SINK);
                from = to;
            } while (from < n);
        }
    }

    /**
     * Sorts {@code packed} ascending in place, each element {@code (rank << 32) | rank} with both ranks in
     * {@code [0, distinct)}: a stable counting sort by the low rank into a scratch array, then by the high rank back (two
     * sequential passes each, where a comparison sort of an interval's pairs took most of the send).
     */
    static void sortByRanks(long[] packed, int distinct) {
        int n = packed.length;
        if (n < 2) {
            return;
        }
        long[] tmp = new long[n];
        int[] start = new int[distinct + 1];
        for (long p : packed) {
            start[(int) p + 1]++;
        }
        for (int r = 0; r < distinct; r++) {
            start[r + 1] += start[r];
        }
        for (long p : packed) {
            tmp[start[(int) p]++] = p;
        }
        Arrays.fill(start, 0);
        for (long p : tmp) {
            start[(int) (p >>> 32) + 1]++;
        }
        for (int r = 0; r < distinct; r++) {
            start[r + 1] += start[r];
        }
        for (long p : tmp) {
            packed[start[(int) (p >>> 32)]++] = p;
        }
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
        if (pairs + 2 * size > pairItem.length) {
            int cap = Math.max(2 * pairItem.length, pairs + 2 * size);
            pairItem = Arrays.copyOf(pairItem, cap);
            pairOther = Arrays.copyOf(pairOther, cap);
        }
        for (int j = 0; j < size; j++) {
            long other = recent[j];
            pairItem[pairs] = item;
            pairOther[pairs++] = other;
            pairItem[pairs] = other;
            pairOther[pairs++] = item;
        }
        if (occurrences == counted.length) {
            counted = Arrays.copyOf(counted, 2 * occurrences);
        }
        counted[occurrences++] = item;
        openSize.put(user, CoOccurrenceCosine.append(recent, size, item));
    }
}
