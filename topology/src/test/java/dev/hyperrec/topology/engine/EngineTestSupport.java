package dev.hyperrec.topology.engine;

import dev.hyperrec.operators.ItemCatalog;
import dev.hyperrec.operators.ThompsonSampler;
import dev.hyperrec.operators.Vectors;
import java.util.SplittableRandom;

/** What the engine's tests share: a seeded random catalog and a Thompson sampler that counts what is asked of it. */
final class EngineTestSupport {
    private EngineTestSupport() {
    }

    /** Items {@code i0 … i(n-1)} with Gaussian components times {@code scale}, each normalised when asked. */
    static ItemCatalog randomCatalog(int dim, int items, long seed, float scale, boolean normalise) {
        ItemCatalog c = new ItemCatalog(dim, items);
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = 0; i < items; i++) {
            float[] v = new float[dim];
            for (int d = 0; d < dim; d++) {
                v[d] = (float) rnd.nextGaussian() * scale;
            }
            if (normalise) {
                Vectors.normaliseInPlace(v);
            }
            c.upsert("i" + i, v);
        }
        return c;
    }

    /** Hands every call to another sampler and counts the calls and the draws. */
    static final class CountingSampler implements ThompsonSampler {
        private final ThompsonSampler delegate;
        long calls;
        long draws;

        CountingSampler(ThompsonSampler delegate) {
            this.delegate = delegate;
        }

        @Override
        public void sample(long streamKey, long[] itemKeys, double[] alpha, double[] beta, int n, float[] out) {
            calls++;
            draws += n;
            delegate.sample(streamKey, itemKeys, alpha, beta, n, out);
        }

        @Override
        public void close() {
            delegate.close();
        }
    }
}
