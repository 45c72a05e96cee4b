package dev.hyperrec.operators;

/**
 * Count-Min sketch parameters (Cormode &amp; Muthukrishnan 2005): width {@code ceil(e / epsilon)},
 * depth {@code ceil(ln(1 / delta))}; an estimate exceeds the true (decayed) count by more than
 * {@code epsilon * N} with probability at most {@code delta}.
 *
 * @param epsilon            relative additive error, in (0, 1)
 * @param delta              failure probability, in (0, 1)
 * @param halfLifeMs         event-time half-life of the exponential decay (counters are halved,
 *                           with floor, each time event time enters a new half-life epoch);
 *                           {@code 0} disables decay
 * @param heavyHitters       capacity of the heavy-hitter (hot) set
 * @param seed               seed of the pairwise-independent row hashes
 */
public record CountMinConfig(double epsilon, double delta, long halfLifeMs, int heavyHitters, long seed) {
    public CountMinConfig {
        if (!(epsilon > 0 && epsilon < 1)) {
            throw new OperatorException("epsilon must be in (0, 1), was " + epsilon);
        }
        if (!(delta > 0 && delta < 1)) {
            throw new OperatorException("delta must be in (0, 1), was " + delta);
        }
        if (halfLifeMs < 0) {
            throw new OperatorException("halfLifeMs must be >= 0, was " + halfLifeMs);
        }
        if (heavyHitters <= 0 || heavyHitters > 1_000_000) {
            throw new OperatorException("heavyHitters must be in [1, 1000000], was " + heavyHitters);
        }
        long w = (long) Math.ceil(Math.E / epsilon);
        if (w * (long) Math.ceil(Math.log(1 / delta)) > 64L * 1024 * 1024) {
            throw new OperatorException("sketch of width " + w + " is too large (epsilon " + epsilon + ")");
        }
    }

    public int width() {
        return (int) Math.ceil(Math.E / epsilon);
    }

    public int depth() {
        return (int) Math.ceil(Math.log(1 / delta));
    }

    public static CountMinConfig defaults() {
        return new CountMinConfig(0.001, 0.01, 7L * 24 * 3600 * 1000, 200, 0x5eed_c0deL);
    }
}
