package dev.hyperrec.operators.internal.cpu;

import dev.hyperrec.operators.OperatorException;
import dev.hyperrec.operators.ThompsonSampler;
import dev.hyperrec.operators.internal.ResourceOwner;
import dev.hyperrec.operators.random.BetaSampler;
import java.util.Objects;

/**
 * Thompson sampling draws {@code theta ~ Beta(alpha, beta)} by {@link BetaSampler} (Marsaglia &amp;
 * Tsang 2000 over Philox4x32-10, Salmon et al. 2011), one independent stream per
 * {@code (seed, streamKey, itemKey)}. Shapes need only be finite and &gt; 0 (the interface's
 * callers pass &ge; 1). Thread affinity: confined to the task thread (stateless apart from the seed).
 */
final class CpuThompsonSampler extends CpuOperator implements ThompsonSampler {
    private final long seed;

    CpuThompsonSampler(ResourceOwner owner, long seed) {
        super(owner, "thompson sampler");
        this.seed = seed;
    }

    @Override
    public void sample(long streamKey, long[] itemKeys, double[] alpha, double[] beta, int n, float[] out) {
        checkOpen();
        Objects.requireNonNull(itemKeys, "itemKeys");
        Objects.requireNonNull(alpha, "alpha");
        Objects.requireNonNull(beta, "beta");
        Objects.requireNonNull(out, "out");
        checkCount(n, itemKeys.length, alpha.length, beta.length, out.length);
        for (int i = 0; i < n; i++) {
            if (!(alpha[i] > 0 && alpha[i] < Double.POSITIVE_INFINITY && beta[i] > 0 && beta[i] < Double.POSITIVE_INFINITY)) {
                throw new OperatorException("candidate " + i + ": Beta parameters must be finite and > 0, were alpha="
                        + alpha[i] + ", beta=" + beta[i]);
            }
        }
        for (int i = 0; i < n; i++) {
            out[i] = BetaSampler.sampleFloat(seed, streamKey, itemKeys[i], alpha[i], beta[i]);
        }
    }
}
