package dev.hyperrec.operators;

import java.util.Arrays;

/**
 * A sketch's full state, for persisting it in a store and restoring it after a restart.
 *
 * <p>Equality compares the array contents (a record's default would compare array references), so
 * two snapshots of the same state are {@code equals}. The arrays are not copied: treat them as
 * read-only.
 *
 * @param counters     {@code depth x width} counters, row-major
 * @param total        decayed stream length N
 * @param epoch        current half-life epoch (event time / half-life)
 * @param heavyKeys    keys of the heavy-hitter set, in no particular order (the CPU backend writes
 *                     them ascending)
 */
public record SketchState(int width, int depth, long[] counters, long total, long epoch, long[] heavyKeys) {

    @Override
    public boolean equals(Object o) {
        return o instanceof SketchState s
                && width == s.width && depth == s.depth && total == s.total && epoch == s.epoch
                && Arrays.equals(counters, s.counters) && Arrays.equals(heavyKeys, s.heavyKeys);
    }

    @Override
    public int hashCode() {
        int h = Integer.hashCode(width);
        h = 31 * h + Integer.hashCode(depth);
        h = 31 * h + Arrays.hashCode(counters);
        h = 31 * h + Long.hashCode(total);
        h = 31 * h + Long.hashCode(epoch);
        return 31 * h + Arrays.hashCode(heavyKeys);
    }

    @Override
    public String toString() {
        return "SketchState[width=" + width + ", depth=" + depth + ", total=" + total + ", epoch=" + epoch
                + ", counters=" + (counters == null ? "null" : counters.length + " longs")
                + ", heavyKeys=" + (heavyKeys == null ? "null" : heavyKeys.length + " keys") + "]";
    }
}
