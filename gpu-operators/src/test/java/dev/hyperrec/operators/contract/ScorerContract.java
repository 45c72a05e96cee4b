package dev.hyperrec.operators.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hyperrec.operators.ItemCatalog;
import dev.hyperrec.operators.OperatorBackend;
import dev.hyperrec.operators.OperatorException;
import dev.hyperrec.operators.ScoreBatch;
import dev.hyperrec.operators.Scorer;
import dev.hyperrec.operators.TopKResult;
import dev.hyperrec.operators.contract.TestData.Ranked;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * Contract of {@link Scorer}: top-k equals a sort-based reference. A backend whose float scores may
 * differ from the reference (CUDA: other summation order, tensor cores) overrides
 * {@link #exactScores()} and {@link #scoreTolerance()}; integer catalogs must match exactly on every
 * backend.
 */
public abstract class ScorerContract {

    /** A fresh backend; the test closes it. */
    protected abstract OperatorBackend openBackend();

    /** Whether scores must equal {@link TestData#referenceScore} bit for bit. */
    protected boolean exactScores() {
        return false;
    }

    /** Absolute score tolerance when scores are not exact (components are in [-1, 1]). */
    protected float scoreTolerance() {
        return 1e-4f;
    }

    @Property(tries = 60, seed = "20240611")
    public void topKMatchesSortReference(@ForAll long seed,
                                         @ForAll @IntRange(min = 0, max = 400) int nItems,
                                         @ForAll @IntRange(min = 1, max = 9) int nQueries,
                                         @ForAll @IntRange(min = 1, max = 300) int k) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int dim = new int[] {1, 3, 8, 33, 300}[rnd.nextInt(5)];
        ItemCatalog items = TestData.randomCatalog(rnd, nItems, dim, 0.2);
        ScoreBatch batch = new ScoreBatch(dim, 2);
        for (int q = 0; q < nQueries; q++) {
            batch.add(TestData.randomVector(rnd, dim), rnd.nextBoolean() ? null : TestData.randomExcludes(rnd, nItems, rnd.nextInt(30)));
        }
        try (OperatorBackend backend = openBackend(); Scorer scorer = backend.newScorer()) {
            TopKResult out = new TopKResult();
            scorer.topK(items, batch, k, out);
            assertMatchesReference(items, batch, k, out);
        }
    }

    @Property(tries = 40, seed = "77")
    public void integerCatalogsTieBreakByLowerIndexExactly(@ForAll long seed,
                                                           @ForAll @IntRange(min = 1, max = 600) int nItems,
                                                           @ForAll @IntRange(min = 1, max = 64) int k) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int dim = 1 + rnd.nextInt(6);
        ItemCatalog items = TestData.integerCatalog(rnd, nItems, dim);
        ScoreBatch batch = new ScoreBatch(dim, 5);
        for (int q = 0; q < 5; q++) {
            batch.add(TestData.integerVector(rnd, dim), TestData.randomExcludes(rnd, nItems, rnd.nextInt(10)));
        }
        try (OperatorBackend backend = openBackend(); Scorer scorer = backend.newScorer()) {
            TopKResult out = new TopKResult();
            scorer.topK(items, batch, k, out);
            for (int r = 0; r < batch.size(); r++) {
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

    @Test
    public void allTiedScoresRankByIndex() {
        ItemCatalog items = new ItemCatalog(2, 8);
        for (int i = 0; i < 10; i++) {
            items.upsert("i" + i, new float[] {1f, 0f});
        }
        items.remove("i2");
        ScoreBatch batch = new ScoreBatch(2, 1);
        batch.add(new float[] {1f, 0f}, new int[] {0, 5});
        try (OperatorBackend backend = openBackend(); Scorer scorer = backend.newScorer()) {
            TopKResult out = new TopKResult();
            scorer.topK(items, batch, 4, out);
            assertThat(out.count(0)).isEqualTo(4);
            assertThat(new int[] {out.index(0, 0), out.index(0, 1), out.index(0, 2), out.index(0, 3)})
                    .containsExactly(1, 3, 4, 6);
        }
    }

    @Test
    public void largeCatalogAcrossManyBlocksAndBatchIndependence() {
        SplittableRandom rnd = new SplittableRandom(5);
        int dim = 64;
        ItemCatalog items = TestData.randomCatalog(rnd, 5000, dim, 0.05);
        ScoreBatch batch = new ScoreBatch(dim, 16);
        for (int q = 0; q < 13; q++) {
            batch.add(TestData.randomVector(rnd, dim), TestData.randomExcludes(rnd, 5000, 50));
        }
        try (OperatorBackend backend = openBackend(); Scorer scorer = backend.newScorer()) {
            TopKResult out = new TopKResult();
            scorer.topK(items, batch, 100, out);
            assertMatchesReference(items, batch, 100, out);
            // the same query alone gives the same row as inside the batch
            ScoreBatch single = new ScoreBatch(dim, 1);
            float[] q7 = new float[dim];
            System.arraycopy(batch.queries(), 7 * dim, q7, 0, dim);
            single.add(q7, batch.exclude(7));
            TopKResult alone = new TopKResult();
            scorer.topK(items, single, 100, alone);
            assertThat(alone.count(0)).isEqualTo(out.count(7));
            for (int j = 0; j < alone.count(0); j++) {
                assertThat(alone.index(0, j)).isEqualTo(out.index(7, j));
                assertThat(alone.score(0, j)).isEqualTo(out.score(7, j));
            }
        }
    }

    /**
     * One scorer, one catalog changing between calls (updated rows, removals, re-adds, growth across
     * block boundaries), then a second catalog: every call must see the catalog as it is then, which
     * checks the incremental catalog mirrors (CPU dimension-major tiles, CUDA device copy).
     */
    @Test
    public void catalogChangesBetweenCallsAreSeen() {
        SplittableRandom rnd = new SplittableRandom(31);
        int dim = 24;
        ItemCatalog items = TestData.randomCatalog(rnd, 700, dim, 0.0);
        ItemCatalog other = TestData.randomCatalog(rnd, 300, dim, 0.1);
        try (OperatorBackend backend = openBackend(); Scorer scorer = backend.newScorer()) {
            TopKResult out = new TopKResult();
            for (int step = 0; step < 6; step++) {
                ScoreBatch batch = new ScoreBatch(dim, 6);
                for (int q = 0; q < 1 + step; q++) {
                    batch.add(TestData.randomVector(rnd, dim), TestData.randomExcludes(rnd, items.size(), rnd.nextInt(8)));
                }
                scorer.topK(items, batch, 40, out);
                assertMatchesReference(items, batch, 40, out);
                // mutate: rewrite some rows with large vectors (so they enter the top-k), remove and re-add,
                // and grow the catalog past the next tile boundary
                for (int j = 0; j < 15; j++) {
                    float[] v = TestData.randomVector(rnd, dim);
                    for (int d = 0; d < dim; d++) {
                        v[d] *= 4f;
                    }
                    items.upsert("i" + rnd.nextInt(items.size()), v);
                }
                items.remove("i" + rnd.nextInt(items.size()));
                items.upsert("i" + rnd.nextInt(items.size()), TestData.randomVector(rnd, dim));
                for (int j = 0; j < 150; j++) {
                    items.upsert("new-" + step + "-" + j, TestData.randomVector(rnd, dim));
                }
                if (step == 3) {
                    // another catalog in between (steps 0 to 3 and 4 to 6 change the same catalog call after call)
                    ScoreBatch elsewhere = new ScoreBatch(dim, 2);
                    elsewhere.add(TestData.randomVector(rnd, dim), null);
                    elsewhere.add(TestData.randomVector(rnd, dim), TestData.randomExcludes(rnd, other.size(), 5));
                    scorer.topK(other, elsewhere, 25, out);
                    assertMatchesReference(other, elsewhere, 25, out);
                }
            }
        }
    }

    @Test
    public void kLargerThanEligibleReturnsAllEligible() {
        SplittableRandom rnd = new SplittableRandom(9);
        ItemCatalog items = TestData.randomCatalog(rnd, 7, 4, 0.0);
        items.remove("i3");
        ScoreBatch batch = new ScoreBatch(4, 2);
        batch.add(TestData.randomVector(rnd, 4), new int[] {0, 6});
        batch.add(TestData.randomVector(rnd, 4), new int[] {0, 1, 2, 3, 4, 5, 6});
        try (OperatorBackend backend = openBackend(); Scorer scorer = backend.newScorer()) {
            TopKResult out = new TopKResult();
            scorer.topK(items, batch, Scorer.MAX_K, out);
            assertThat(out.count(0)).isEqualTo(4);
            Set<Integer> got = new HashSet<>();
            for (int j = 0; j < 4; j++) {
                got.add(out.index(0, j));
            }
            assertThat(got).containsExactlyInAnyOrder(1, 2, 4, 5);
            assertThat(out.count(1)).isZero();
        }
    }

    /**
     * Extra items get {@code Scorer.exactDot} bit for bit on every backend and precision, active or not, excluded or
     * not, repeated or not, in the order given; the top-k stays what it is without them. Batch sizes cover the
     * backends' paths (CUDA: the one-query and small-batch launches, the filter and the tensor-core schedule).
     */
    @Property(tries = 40, seed = "20261123")
    public void extraItemsGetExactScoresAndLeaveTheTopKAlone(@ForAll long seed,
                                                            @ForAll @IntRange(min = 1, max = 700) int nItems,
                                                            @ForAll @IntRange(min = 1, max = 40) int k) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int dim = new int[] {1, 3, 8, 33, 384}[rnd.nextInt(5)];
        int nQueries = new int[] {1, 3, 20, 150}[rnd.nextInt(4)];
        ItemCatalog items = TestData.randomCatalog(rnd, nItems, dim, 0.2);
        ScoreBatch batch = new ScoreBatch(dim, 2);
        ScoreBatch plain = new ScoreBatch(dim, 2);
        for (int q = 0; q < nQueries; q++) {
            float[] v = TestData.randomVector(rnd, dim);
            int[] ex = rnd.nextBoolean() ? null : TestData.randomExcludes(rnd, nItems, rnd.nextInt(30));
            int[] extra = new int[rnd.nextInt(4) == 0 ? 0 : 1 + rnd.nextInt(320)];
            for (int j = 0; j < extra.length; j++) {
                int pick = ex != null && ex.length > 0 && rnd.nextInt(5) == 0 ? ex[rnd.nextInt(ex.length)] : -1;
                // an excluded item where the exclude list holds one inside the catalog (it may list others)
                extra[j] = pick >= 0 && pick < nItems ? pick : rnd.nextInt(nItems);
            }
            batch.add(v, ex, extra);
            plain.add(v, ex);
        }
        try (OperatorBackend backend = openBackend(); Scorer scorer = backend.newScorer()) {
            TopKResult out = new TopKResult();
            scorer.topK(items, batch, k, out);
            float[] x = items.rawEmbeddings();
            for (int r = 0; r < nQueries; r++) {
                int[] extra = batch.extras(r);
                assertThat(out.extraCount(r)).isEqualTo(extra.length);
                for (int j = 0; j < extra.length; j++) {
                    float want = TestData.referenceScore(x, extra[j] * dim, batch.queries(), r * dim, dim);
                    assertThat(Float.floatToIntBits(out.extraScore(r, j))).as("query %d extra %d (item %d)", r, j, extra[j])
                            .isEqualTo(Float.floatToIntBits(want));
                }
            }
            TopKResult without = new TopKResult();
            scorer.topK(items, plain, k, without);
            for (int r = 0; r < nQueries; r++) {
                assertThat(without.extraCount(r)).isZero();
                assertThat(out.count(r)).isEqualTo(without.count(r));
                for (int j = 0; j < out.count(r); j++) {
                    assertThat(out.index(r, j)).isEqualTo(without.index(r, j));
                    assertThat(out.score(r, j)).isEqualTo(without.score(r, j));
                }
            }
            assertMatchesReference(items, batch, k, out);
        }
    }

    @Test
    public void emptyBatchAndEmptyCatalog() {
        try (OperatorBackend backend = openBackend(); Scorer scorer = backend.newScorer()) {
            TopKResult out = new TopKResult();
            scorer.topK(new ItemCatalog(3, 1), new ScoreBatch(3, 1), 5, out);
            assertThat(out.rows()).isZero();
            ScoreBatch batch = new ScoreBatch(3, 1);
            batch.add(new float[] {1, 2, 3}, null);
            scorer.topK(new ItemCatalog(3, 1), batch, 5, out);
            assertThat(out.rows()).isEqualTo(1);
            assertThat(out.count(0)).isZero();
        }
    }

    @Test
    public void rejectsInvalidArguments() {
        ItemCatalog items = TestData.randomCatalog(new SplittableRandom(1), 10, 4, 0);
        try (OperatorBackend backend = openBackend(); Scorer scorer = backend.newScorer()) {
            TopKResult out = new TopKResult();
            ScoreBatch wrongDim = new ScoreBatch(3, 1);
            wrongDim.add(new float[3], null);
            assertThatThrownBy(() -> scorer.topK(items, wrongDim, 5, out))
                    .isInstanceOf(OperatorException.class).hasMessageContaining("dimension");
            ScoreBatch ok = new ScoreBatch(4, 1);
            ok.add(new float[] {1, 0, 0, 0}, null);
            assertThatThrownBy(() -> scorer.topK(items, ok, 0, out)).isInstanceOf(OperatorException.class);
            assertThatThrownBy(() -> scorer.topK(items, ok, Scorer.MAX_K + 1, out)).isInstanceOf(OperatorException.class);
            ScoreBatch unsorted = new ScoreBatch(4, 1);
            unsorted.add(new float[] {1, 0, 0, 0}, new int[] {5, 2});
            assertThatThrownBy(() -> scorer.topK(items, unsorted, 5, out))
                    .isInstanceOf(OperatorException.class).hasMessageContaining("ascending");
            ScoreBatch outside = new ScoreBatch(4, 1);
            outside.add(new float[] {1, 0, 0, 0}, null, new int[] {3, 10});
            assertThatThrownBy(() -> scorer.topK(items, outside, 5, out))
                    .isInstanceOf(OperatorException.class).hasMessageContaining("extra item 10");
            ScoreBatch negative = new ScoreBatch(4, 1);
            negative.add(new float[] {1, 0, 0, 0}, null, new int[] {-1});
            assertThatThrownBy(() -> scorer.topK(items, negative, 5, out))
                    .isInstanceOf(OperatorException.class).hasMessageContaining("extra item -1");
            ScoreBatch nan = new ScoreBatch(4, 1);
            nan.add(new float[] {Float.NaN, 0, 0, 0}, null);
            assertThatThrownBy(() -> scorer.topK(items, nan, 5, out))
                    .isInstanceOf(OperatorException.class).hasMessageContaining("non-finite");
        }
    }

    /** Checks every row of {@code out} against the sort-based reference, exactly or within tolerance. */
    protected void assertMatchesReference(ItemCatalog items, ScoreBatch batch, int k, TopKResult out) {
        assertThat(out.rows()).isEqualTo(batch.size());
        for (int r = 0; r < batch.size(); r++) {
            List<Ranked> ref = TestData.referenceRanking(items, batch, r);
            int expected = Math.min(k, ref.size());
            assertThat(out.count(r)).as("count of query %d", r).isEqualTo(expected);
            if (exactScores()) {
                for (int j = 0; j < expected; j++) {
                    assertThat(out.index(r, j)).as("query %d rank %d", r, j).isEqualTo(ref.get(j).index());
                    assertThat(out.score(r, j)).as("query %d rank %d", r, j).isEqualTo(ref.get(j).score());
                }
                continue;
            }
            float tol = scoreTolerance();
            float[] refScore = new float[items.size()];
            Set<Integer> eligible = new HashSet<>();
            for (Ranked e : ref) {
                refScore[e.index()] = e.score();
                eligible.add(e.index());
            }
            Set<Integer> got = new HashSet<>();
            for (int j = 0; j < expected; j++) {
                int idx = out.index(r, j);
                assertThat(eligible).as("query %d rank %d is eligible", r, j).contains(idx);
                assertThat(got.add(idx)).as("no duplicates").isTrue();
                assertThat(out.score(r, j)).isCloseTo(refScore[idx], org.assertj.core.data.Offset.offset(tol));
                if (j > 0) {
                    assertThat(out.score(r, j)).isLessThanOrEqualTo(out.score(r, j - 1));
                }
            }
            if (expected > 0) {
                float kth = ref.get(expected - 1).score();
                for (Ranked e : ref) {
                    if (e.score() > kth + 2 * tol) {
                        assertThat(got).as("clearly top item %d of query %d", e.index(), r).contains(e.index());
                    }
                }
                for (int idx : got) {
                    assertThat(refScore[idx]).isGreaterThanOrEqualTo(kth - 2 * tol);
                }
            }
        }
    }
}
