package dev.hyperrec.topology.eval;

import dev.hyperrec.avro.InteractionType;
import dev.hyperrec.operators.ItemKeys;
import dev.hyperrec.topology.HyperrecConfig;
import dev.hyperrec.topology.engine.CoOccurrenceCosine;
import dev.hyperrec.topology.engine.EventWeights;
import dev.hyperrec.topology.engine.ItemNeighbours;
import dev.hyperrec.topology.engine.NeighbourTable;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The engine's item-to-item model in the evaluation: the streaming pipeline's model
 * ({@link CoOccurrenceCosine}: positive events only, the user's last {@code hyperrec.neighbours.window}
 * positive items, top {@code hyperrec.neighbours.max} neighbours per item, similarity 0 for an item not
 * on the list) computed exactly in process. It learns each event right after it was scored, so a list
 * is always up to date; the pipeline's lists lag by the publish interval and a round trip through
 * Kafka (docs/evaluation.md).
 */
final class CoOccurrenceNeighbours implements ItemNeighbours {
    private final CoOccurrence co;
    private final int max;
    private final EventWeights weights;
    private final Map<Long, Integer> indexOfKey = new HashMap<>();
    private long[] keyOf = new long[0];
    /** Lists computed since the last event was learned (every list changes with it). */
    private final Map<Long, NeighbourTable.Entry> lists = new HashMap<>();

    CoOccurrenceNeighbours(HyperrecConfig config) {
        this.co = new CoOccurrence(config.getInt(HyperrecConfig.NEIGHBOURS_WINDOW));
        this.max = config.getInt(HyperrecConfig.NEIGHBOURS_MAX);
        this.weights = new EventWeights(config);
    }

    /** Learns a replayed rating when its weight is positive, as the pipeline's co-occurrence emitter does. */
    void learn(Event e) {
        if (weights.weight(InteractionType.RATING, e.rating()) <= 0f) {
            return;
        }
        long key = ItemKeys.hash64(e.itemId());
        if (indexOfKey.putIfAbsent(key, e.item()) == null) {
            if (e.item() >= keyOf.length) {
                keyOf = Arrays.copyOf(keyOf, Math.max(e.item() + 1, 2 * keyOf.length));
            }
            keyOf[e.item()] = key;
        }
        co.learn(e.user(), e.item());
        lists.clear();
    }

    /** {@code itemKey}'s list as the pipeline would publish it from the same counts. */
    @Override
    public NeighbourTable.Entry list(long itemKey) {
        NeighbourTable.Entry cached = lists.get(itemKey);
        if (cached != null) {
            return cached;
        }
        Integer a = indexOfKey.get(itemKey);
        int n = a == null ? 0 : co.row(a, this);
        long[] keys = new long[n];
        float[] sim = new float[n];
        for (int t = 0; t < n; t++) {
            int other = co.touched()[t];
            keys[t] = keyOf[other];
            sim[t] = co.scores()[other];
        }
        int m = CoOccurrenceCosine.top(keys, sim, n, max);
        NeighbourTable.Entry e = new NeighbourTable.Entry(a == null ? 0 : co.occurrences(a), Arrays.copyOf(keys, m),
                Arrays.copyOf(sim, m));
        lists.put(itemKey, e);
        return e;
    }
}
