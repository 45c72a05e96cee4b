package dev.hyperrec.operators;

/**
 * Parameters of the {@link PopularItemCache}.
 *
 * @param rowLength      similar items cached per hot item, in {@code [1, Scorer.MAX_K]}
 * @param driftThreshold rebuild when the Jaccard distance between the current and the cached hot set
 *                       exceeds this, in {@code [0, 1]} ({@code 0}: any change rebuilds; {@code 1}:
 *                       drift never does)
 * @param periodMs       rebuild at least this often in event time, {@code > 0}
 */
public record PopularCacheConfig(int rowLength, double driftThreshold, long periodMs) {
    public PopularCacheConfig {
        if (rowLength < 1 || rowLength > Scorer.MAX_K) {
            throw new OperatorException("rowLength must be in [1, " + Scorer.MAX_K + "], was " + rowLength);
        }
        if (!(driftThreshold >= 0 && driftThreshold <= 1)) {
            throw new OperatorException("driftThreshold must be in [0, 1], was " + driftThreshold);
        }
        if (periodMs <= 0) {
            throw new OperatorException("periodMs must be > 0, was " + periodMs);
        }
    }

    /** 50 similar items per hot item, rebuilt on 20% drift or every 10 minutes of event time. */
    public static PopularCacheConfig defaults() {
        return new PopularCacheConfig(50, 0.2, 10 * 60 * 1000L);
    }
}
