package dev.hyperrec.operators.contract;

import dev.hyperrec.operators.ItemCatalog;
import dev.hyperrec.operators.OperatorBackend;
import dev.hyperrec.operators.ScoreBatch;
import dev.hyperrec.operators.Scorer;
import dev.hyperrec.operators.TopKResult;
import dev.hyperrec.operators.contract.TestData.Ranked;
import java.util.List;
import java.util.SplittableRandom;
import dev.hyperrec.operators.internal.cuda.CudaBackend;
import dev.hyperrec.operators.internal.cuda.ScorePrecision;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Runs {@link ScorerContract} on the CUDA backend with BF16 tensor cores; skipped (by assumption) where no device is usable. */
@Tag("gpu")
@net.jqwik.api.Tag("gpu")
@AddLifecycleHook(CudaTests.class)
class CudaBf16ScorerContractTest extends ScorerContract {

    @BeforeEach
    void requireDevice() {
        Assumptions.assumeTrue(CudaBackend.isUsable(), CudaTests::reason);
    }

    @Override
    protected OperatorBackend openBackend() {
        return new CudaBackend(0, ScorePrecision.BF16);
    }

    /**
     * The pipelined tensor-core kernel's tiling: several 128-query tiles (the last partial), catalogs
     * that end inside an item tile, dimensions whose padded width is not a multiple of the 64-wide K
     * slice, exclusions and inactive items; k small (threshold seeding) and large (chunked).
     */
    @Test
    void largeBatchesAcrossQueryAndItemTiles() {
        SplittableRandom rnd = new SplittableRandom(2026);
        for (int[] c : new int[][] {{300, 3001, 384, 20}, {129, 2500, 100, 64}, {260, 1500, 33, 300}, {3, 9000, 384, 20}}) {
            int nq = c[0];
            int n = c[1];
            int dim = c[2];
            int k = c[3];
            ItemCatalog items = TestData.randomCatalog(rnd, n, dim, 0.1);
            ScoreBatch batch = new ScoreBatch(dim, nq);
            for (int q = 0; q < nq; q++) {
                batch.add(TestData.randomVector(rnd, dim), q % 3 == 0 ? null : TestData.randomExcludes(rnd, n, 40));
            }
            try (OperatorBackend backend = openBackend(); Scorer scorer = backend.newScorer()) {
                TopKResult out = new TopKResult();
                scorer.topK(items, batch, k, out);
                assertMatchesReference(items, batch, k, out);
            }
        }
    }

    /**
     * Many exact ties (small-integer catalog, exact in bf16) across the seeded schedule and the small
     * batch path: ranks must equal the reference exactly, ties broken by lower index; a candidate
     * buffer that overflows on ties must fall back to the chunked schedule transparently.
     */
    @Test
    void tiedIntegerScoresOnLargeCatalogsRankExactly() {
        SplittableRandom rnd = new SplittableRandom(77);
        for (int[] c : new int[][] {{200, 20000, 4, 20}, {3, 20000, 4, 20}, {150, 6000, 3, 64}}) {
            int nq = c[0];
            int n = c[1];
            int dim = c[2];
            int k = c[3];
            ItemCatalog items = TestData.integerCatalog(rnd, n, dim);
            ScoreBatch batch = new ScoreBatch(dim, nq);
            for (int q = 0; q < nq; q++) {
                batch.add(TestData.integerVector(rnd, dim), q % 2 == 0 ? null : TestData.randomExcludes(rnd, n, 25));
            }
            try (OperatorBackend backend = openBackend(); Scorer scorer = backend.newScorer()) {
                TopKResult out = new TopKResult();
                scorer.topK(items, batch, k, out);
                for (int r = 0; r < nq; r++) {
                    List<Ranked> ref = TestData.referenceRanking(items, batch, r);
                    int expected = Math.min(k, ref.size());
                    assertThat(out.count(r)).isEqualTo(expected);
                    for (int j = 0; j < expected; j++) {
                        assertThat(out.index(r, j)).as("query %d rank %d", r, j).isEqualTo(ref.get(j).index());
                        assertThat(out.score(r, j)).isEqualTo(ref.get(j).score());
                    }
                }
            }
        }
    }

    /** bf16 operands (7-bit mantissa), fp32 accumulate: about 2^-8 relative per product. */
    @Override
    protected float scoreTolerance() {
        return 1.5e-1f;
    }
}
