package dev.hyperrec.operators;

import java.util.List;

/**
 * A time-decayed Count-Min sketch with a heavy-hitter set (the hot items). Integer counters, so
 * every backend must produce bit-identical state for the same input.
 *
 * <p>Decay runs on event time: before an event is counted, if its time falls in a later half-life
 * epoch than the current one, every counter (and N) is shifted right by the number of epochs
 * crossed. Events whose time lies in an earlier epoch count in the current one. Since
 * {@code floor((a+b)/2) >= floor(a/2) + floor(b/2)}, an estimate is never below the item's true
 * count decayed the same way.
 */
public interface PopularitySketch extends AutoCloseable {

    CountMinConfig config();

    /** Counts each {@code keys[i]} once at {@code eventTimesMs[i]}, in order, for {@code i < n}. */
    void add(long[] keys, long[] eventTimesMs, int n);

    long estimate(long key);

    /** Batched {@link #estimate}: {@code out[i] = estimate(keys[i])} for {@code i < n}. */
    void estimate(long[] keys, int n, long[] out);

    /** Decayed stream length N. */
    long total();

    /** The hot set, sorted by estimate descending then key ascending; at most {@code config().heavyHitters()}. */
    List<HeavyHitter> heavyHitters();

    /**
     * The keys of the first {@code limit} entries of {@link #heavyHitters()} (same order), written
     * to {@code out}; cheaper than the full ranking.
     *
     * @return the number of keys written, at most {@code min(limit, out.length)}
     */
    int hotKeys(int limit, long[] out);

    SketchState snapshot();

    void restore(SketchState state);

    @Override
    default void close() {
    }
}
