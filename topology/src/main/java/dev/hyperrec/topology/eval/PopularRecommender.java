package dev.hyperrec.topology.eval;

import dev.hyperrec.operators.CountMinConfig;
import dev.hyperrec.operators.ItemKeys;
import dev.hyperrec.operators.OperatorBackend;
import dev.hyperrec.operators.PopularitySketch;
import java.util.HashMap;
import java.util.Map;
import java.util.function.IntPredicate;

/**
 * Popularity from the pipeline's Count-Min sketch operator (Cormode &amp; Muthukrishnan 2005): the
 * heavy-hitter set ranked by (time-decayed) estimate, skipping what the user has rated. A half-life of
 * 0 is all-time popularity. Every event counts, whatever its rating (a rating is an interaction).
 */
public final class PopularRecommender implements StreamingRecommender {
    private final PopularitySketch sketch;
    private final long halfLifeMs;
    private final Map<Long, Integer> itemOfKey = new HashMap<>();
    private final long[] one = new long[1];
    private final long[] time = new long[1];
    private long[] hot;
    private int[] ratedCount = new int[0];

    /**
     * @param capacity heavy-hitter capacity: the deepest rank a list can reach (users who rated many
     *                 popular items need more than the list length)
     */
    public PopularRecommender(OperatorBackend backend, long halfLifeMs, int capacity, long seed) {
        this.halfLifeMs = halfLifeMs;
        // epsilon 2e-4: width 13,592, so collisions barely perturb the ranking of a 10^4-item catalog
        this.sketch = backend.newPopularitySketch(new CountMinConfig(2e-4, 0.01, halfLifeMs, capacity, seed));
        this.hot = new long[capacity];
    }

    @Override
    public String name() {
        return "popular";
    }

    public long halfLifeMs() {
        return halfLifeMs;
    }

    @Override
    public int recommend(Event event, int k, IntPredicate excluded, int[] out) {
        // Ask the sketch for just enough of its ranking: double the prefix until k unrated items are in it.
        int rated = event.user() < ratedCount.length ? ratedCount[event.user()] : 0;
        for (int limit = Math.min(hot.length, k + rated); ; limit = Math.min(hot.length, 2 * limit)) {
            int m = sketch.hotKeys(limit, hot);
            int n = 0;
            for (int j = 0; j < m && n < k; j++) {
                int item = itemOfKey.get(hot[j]);
                if (!excluded.test(item)) {
                    out[n++] = item;
                }
            }
            if (n == k || m < limit || limit == hot.length) {
                return n;
            }
        }
    }

    @Override
    public void learn(Event e) {
        one[0] = ItemKeys.hash64(e.itemId());
        time[0] = e.timestampMs();
        itemOfKey.putIfAbsent(one[0], e.item());
        sketch.add(one, time, 1);
        if (e.user() >= ratedCount.length) {
            ratedCount = java.util.Arrays.copyOf(ratedCount, Math.max(e.user() + 1, 2 * ratedCount.length));
        }
        ratedCount[e.user()]++;
    }

    @Override
    public void close() {
        sketch.close();
    }
}
