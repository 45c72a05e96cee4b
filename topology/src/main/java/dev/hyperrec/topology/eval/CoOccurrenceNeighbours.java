package dev.hyperrec.topology.eval;

import dev.hyperrec.operators.ItemKeys;
import dev.hyperrec.topology.engine.ItemNeighbours;
import java.util.HashMap;
import java.util.Map;

/**
 * The engine's item-to-item model in the evaluation: windowed co-occurrence cosine
 * ({@link CoOccurrence}), learned from each event after it was scored — the same knowledge the
 * {@code item-knn} baseline has, served through {@link ItemNeighbours}.
 */
final class CoOccurrenceNeighbours implements ItemNeighbours {
    private final CoOccurrence co;
    private final Map<Long, Integer> indexOfKey = new HashMap<>();
    private long[] keyOf = new long[0];
    private int[] order = new int[0];

    CoOccurrenceNeighbours(int window) {
        this.co = new CoOccurrence(window);
    }

    void learn(Event e) {
        long key = ItemKeys.hash64(e.itemId());
        if (indexOfKey.putIfAbsent(key, e.item()) == null) {
            if (e.item() >= keyOf.length) {
                keyOf = java.util.Arrays.copyOf(keyOf, Math.max(e.item() + 1, 2 * keyOf.length));
            }
            keyOf[e.item()] = key;
        }
        co.learn(e.user(), e.item());
    }

    @Override
    public int neighbours(long itemKey, int max, long[] keys, float[] similarity) {
        Integer a = indexOfKey.get(itemKey);
        if (a == null) {
            return 0;
        }
        int n = co.row(a, this);
        if (order.length < max) {
            order = new int[max];
        }
        int m = TopK.select(co.touched(), n, co.scores(), max, i -> false, order);
        for (int j = 0; j < m; j++) {
            keys[j] = keyOf[order[j]];
            similarity[j] = co.scores()[order[j]];
        }
        return m;
    }

    @Override
    public float similarity(long a, long b) {
        Integer ia = indexOfKey.get(a);
        Integer ib = indexOfKey.get(b);
        return ia == null || ib == null ? 0f : co.similarity(ia, ib);
    }
}
