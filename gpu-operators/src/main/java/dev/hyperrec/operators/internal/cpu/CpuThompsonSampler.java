package dev.hyperrec.operators.internal.cpu;

import dev.hyperrec.operators.internal.OperatorChecks;

import dev.hyperrec.operators.ThompsonSampler;
import dev.hyperrec.operators.internal.ResourceOwner;
import dev.hyperrec.operators.random.BetaSampler;

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
        OperatorChecks.sampleCall(itemKeys, alpha, beta, n, out);
        for (int i = 0; i < n; i++) {
            out[i] = BetaSampler.sampleFloat(seed, streamKey, itemKeys[i], alpha[i], beta[i]);
        }
    }
}
