package dev.hyperrec.operators;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The popular-item similarity cache: for each hot item {@code p} (from the popularity sketch's
 * heavy hitters), the {@code rowLength} catalog items most similar to it by inner product,
 * {@code top-k(items · p)} without {@code p} itself, best first. It serves the "similar to what you
 * just did" candidate source: a user who just interacted with a hot item gets its row without a
 * catalog scan. Computed by any backend's {@link Scorer}, so it runs on the device when there is one.
 *
 * <p><b>Rebuild policy</b> ({@link #maybeRebuild}): rebuild when the cache was never built, when the
 * Jaccard distance {@code 1 - |A ∩ B| / |A ∪ B|} between the new hot set and the cached one exceeds
 * {@link PopularCacheConfig#driftThreshold()}, or when {@code eventTime - lastRebuild >= periodMs}.
 * Time is event time, never the wall clock, and a restarted task calls {@link #restore} with the
 * persisted hot set and rebuild time, so the cache's decisions do not depend on restarts. Rows
 * reflect the catalog at rebuild time (items changed since appear with their old similarity until the
 * next rebuild; callers filter items that became inactive).
 *
 * <p>Hot keys unknown to the catalog, or inactive, are part of the cached hot set (for drift) but have
 * no row. Not thread-safe: confined to the owning task thread, like its scorer. The cache does not own
 * (close) the scorer.
 */
public final class PopularItemCache {
    private static final long[] NO_KEYS = new long[0];

    private final Scorer scorer;
    private final PopularCacheConfig config;
    private final TopKResult result = new TopKResult();
    private Map<Long, int[]> rows = Map.of();
    private long[] hotKeys = NO_KEYS;
    private boolean built;
    private long lastRebuildMs = Long.MIN_VALUE;
    private long hits;
    private long misses;
    private long rebuilds;

    public PopularItemCache(Scorer scorer, PopularCacheConfig config) {
        this.scorer = Objects.requireNonNull(scorer, "scorer");
        this.config = Objects.requireNonNull(config, "config");
    }

    public PopularCacheConfig config() {
        return config;
    }

    /**
     * Rebuilds the rows for {@code hotKeys} if the policy says so.
     *
     * @param hotKeys     the current hot set (any order; duplicates ignored)
     * @param eventTimeMs event time of the triggering event
     * @return whether the cache was rebuilt
     */
    public boolean maybeRebuild(ItemCatalog items, long[] hotKeys, long eventTimeMs) {
        Objects.requireNonNull(items, "items");
        long[] next = sortedDistinct(hotKeys);
        boolean due = !built
                || jaccardDistance(this.hotKeys, next) > config.driftThreshold()
                || periodElapsed(eventTimeMs);
        if (!due) {
            return false;
        }
        rebuild(items, next, eventTimeMs);
        rebuilds++;
        return true;
    }

    /**
     * Rebuilds the rows for a persisted hot set and rebuild time (after a restart or rebalance), so
     * later decisions match those of an uninterrupted run. Not counted in {@link #rebuilds()}.
     */
    public void restore(ItemCatalog items, long[] hotKeys, long lastRebuildMs) {
        Objects.requireNonNull(items, "items");
        rebuild(items, sortedDistinct(hotKeys), lastRebuildMs);
    }

    /**
     * The cached row of a hot item: catalog indices of its most similar items, best first (a copy);
     * {@code null} when the item has no row. Counts a hit or a miss.
     */
    public int[] similar(long itemKey) {
        int[] row = rows.get(itemKey);
        if (row == null) {
            misses++;
            return null;
        }
        hits++;
        return row.clone();
    }

    /** {@link #similar} without counting a hit or a miss: for a caller that looks ahead of the lookup it counts. */
    public int[] peekSimilar(long itemKey) {
        int[] row = rows.get(itemKey);
        return row == null ? null : row.clone();
    }

    public long hits() {
        return hits;
    }

    public long misses() {
        return misses;
    }

    /** Rebuilds triggered by {@link #maybeRebuild} (drift, period, or the first build). */
    public long rebuilds() {
        return rebuilds;
    }

    /** The hot set the rows were built for, ascending (a copy). */
    public long[] cachedHotKeys() {
        return hotKeys.clone();
    }

    /** Event time of the last rebuild or restore; {@link Long#MIN_VALUE} before the first. */
    public long lastRebuildMs() {
        return lastRebuildMs;
    }

    public boolean isBuilt() {
        return built;
    }

    /** Number of hot items that have a row. */
    public int rowCount() {
        return rows.size();
    }

    /**
     * Jaccard distance {@code 1 - |A ∩ B| / |A ∪ B|} of two ascending, duplicate-free key arrays;
     * {@code 0} when both are empty. Computed as {@code (|A ∪ B| - |A ∩ B|) / |A ∪ B|}, a single
     * correctly rounded division, so a threshold like 0.4 compares as written.
     */
    public static double jaccardDistance(long[] a, long[] b) {
        int i = 0;
        int j = 0;
        long inter = 0;
        while (i < a.length && j < b.length) {
            if (a[i] == b[j]) {
                inter++;
                i++;
                j++;
            } else if (a[i] < b[j]) {
                i++;
            } else {
                j++;
            }
        }
        long union = (long) a.length + b.length - inter;
        return union == 0 ? 0.0 : (double) (union - inter) / union;
    }

    private boolean periodElapsed(long eventTimeMs) {
        if (eventTimeMs < lastRebuildMs) {
            return false; // out-of-order event time
        }
        long elapsed = eventTimeMs - lastRebuildMs; // negative only on overflow, i.e. huge
        return elapsed < 0 || elapsed >= config.periodMs();
    }

    private void rebuild(ItemCatalog items, long[] keys, long timeMs) {
        int dim = items.dim();
        long[] rowKeys = new long[keys.length];
        int[] rowItems = new int[keys.length];
        int m = 0;
        for (long key : keys) {
            int idx = items.indexOfKey(key);
            if (idx >= 0) {
                rowKeys[m] = key;
                rowItems[m] = idx;
                m++;
            }
        }
        Map<Long, int[]> next = new HashMap<>();
        if (m > 0) {
            ScoreBatch batch = new ScoreBatch(dim, m);
            float[] q = new float[dim];
            for (int r = 0; r < m; r++) {
                items.copyEmbedding(rowItems[r], q, 0);
                batch.add(q, new int[] {rowItems[r]});
            }
            scorer.topK(items, batch, config.rowLength(), result);
            for (int r = 0; r < m; r++) {
                int c = result.count(r);
                int[] row = new int[c];
                for (int j = 0; j < c; j++) {
                    row[j] = result.index(r, j);
                }
                next.put(rowKeys[r], row);
            }
        }
        rows = next;
        hotKeys = keys;
        lastRebuildMs = timeMs;
        built = true;
    }

    private static long[] sortedDistinct(long[] keys) {
        Objects.requireNonNull(keys, "hotKeys");
        long[] s = keys.clone();
        Arrays.sort(s);
        int m = 0;
        for (int i = 0; i < s.length; i++) {
            if (i == 0 || s[i] != s[i - 1]) {
                s[m++] = s[i];
            }
        }
        return m == s.length ? s : Arrays.copyOf(s, m);
    }
}
