package dev.hyperrec.operators.internal.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperrec.operators.ItemCatalog;
import dev.hyperrec.operators.ScoreBatch;
import dev.hyperrec.operators.TopKResult;
import dev.hyperrec.operators.contract.TestData;
import dev.hyperrec.operators.internal.ResourceOwner;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The two catalog paths of {@link CpuScorer}: the dimension-major mirror kept between calls (catalogs
 * up to {@link CpuScorer#MIRROR_LIMIT_BYTES}) and the per-call tile transposition (larger catalogs)
 * give bit-identical rows, equal to the reference definition, also while the catalog changes, and also
 * when hundreds of items score the same to within float rounding.
 */
class CpuScorerMirrorTest {

    /**
     * Items that are one vector with one component moved by a few units in the last place (and exact copies): their
     * reference scores differ by far less than a float sum's rounding, so any shortcut in float (a float pass that
     * filters without an error bound failed this) orders them differently from the reference; ties rank the lower index.
     */
    @Property(tries = 25, seed = "77")
    void nearTiesAreRankedByTheReference(@ForAll long seed, @ForAll @IntRange(min = 1, max = 40) int k) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int dim = new int[] {16, 64, 130}[rnd.nextInt(3)];
        float[] base = TestData.randomVector(rnd, dim);
        ItemCatalog items = new ItemCatalog(dim, 16);
        for (int i = 0; i < 700; i++) {
            float[] v = base.clone();
            int c = rnd.nextInt(dim);
            int ulps = rnd.nextInt(7) - 3;
            v[c] = Float.intBitsToFloat(Float.floatToRawIntBits(v[c]) + ulps);
            items.upsert("i" + i, v);
        }
        try (ResourceOwner owner = new ResourceOwner("test");
             CpuScorer mirrored = owner.register(new CpuScorer(owner));
             CpuScorer transposed = owner.register(new CpuScorer(owner, 0))) {
            ScoreBatch batch = new ScoreBatch(dim, 5);
            for (int q = 0; q < 5; q++) {
                batch.add(TestData.randomVector(rnd, dim), TestData.randomExcludes(rnd, items.size(), rnd.nextInt(5)));
            }
            TopKResult a = new TopKResult();
            TopKResult b = new TopKResult();
            mirrored.topK(items, batch, k, a);
            transposed.topK(items, batch, k, b);
            for (int r = 0; r < 5; r++) {
                var ref = TestData.referenceRanking(items, batch, r);
                assertThat(a.count(r)).isEqualTo(k).isEqualTo(b.count(r));
                for (int j = 0; j < k; j++) {
                    assertThat(a.index(r, j)).as("query %d rank %d", r, j).isEqualTo(ref.get(j).index()).isEqualTo(b.index(r, j));
                    assertThat(a.score(r, j)).isEqualTo(ref.get(j).score()).isEqualTo(b.score(r, j));
                }
            }
        }
    }

    @Property(tries = 30, seed = "4242")
    void mirroredAndTransposedPathsAgreeBitForBit(@ForAll long seed, @ForAll @IntRange(min = 1, max = 1500) int nItems,
                                                  @ForAll @IntRange(min = 1, max = 11) int nQueries) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int dim = new int[] {1, 7, 64, 130}[rnd.nextInt(4)];
        ItemCatalog items = TestData.randomCatalog(rnd, nItems, dim, 0.1);
        try (ResourceOwner owner = new ResourceOwner("test");
             CpuScorer mirrored = owner.register(new CpuScorer(owner));
             CpuScorer transposed = owner.register(new CpuScorer(owner, 0))) {
            for (int round = 0; round < 3; round++) {
                ScoreBatch batch = new ScoreBatch(dim, nQueries);
                for (int q = 0; q < nQueries; q++) {
                    batch.add(TestData.randomVector(rnd, dim), TestData.randomExcludes(rnd, items.size(), rnd.nextInt(20)));
                }
                int k = 1 + rnd.nextInt(50);
                TopKResult a = new TopKResult();
                TopKResult b = new TopKResult();
                mirrored.topK(items, batch, k, a);
                transposed.topK(items, batch, k, b);
                for (int r = 0; r < nQueries; r++) {
                    var ref = TestData.referenceRanking(items, batch, r);
                    assertThat(a.count(r)).isEqualTo(Math.min(k, ref.size())).isEqualTo(b.count(r));
                    for (int j = 0; j < a.count(r); j++) {
                        assertThat(a.index(r, j)).isEqualTo(ref.get(j).index()).isEqualTo(b.index(r, j));
                        assertThat(a.score(r, j)).isEqualTo(ref.get(j).score()).isEqualTo(b.score(r, j));
                    }
                }
                // change rows and grow the catalog between calls
                for (int j = 0; j < 5; j++) {
                    items.upsert("i" + rnd.nextInt(items.size() + 3), TestData.randomVector(rnd, dim));
                }
                items.remove("i" + rnd.nextInt(items.size()));
            }
        }
    }

    /**
     * Long exclude arrays, as a heavy user's seen set gives (up to every item, with duplicates and out-of-range ids as
     * {@code randomExcludes} draws them): the exclusion check that continues from where the row's previous one ended
     * excludes exactly the reference's items.
     */
    @Property(tries = 25, seed = "9090")
    void longExcludeArraysExcludeExactlyTheirItems(@ForAll long seed, @ForAll @IntRange(min = 1, max = 3000) int nItems,
                                                   @ForAll @IntRange(min = 1, max = 60) int k) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int dim = new int[] {7, 64}[rnd.nextInt(2)];
        ItemCatalog items = TestData.randomCatalog(rnd, nItems, dim, 0.05);
        try (ResourceOwner owner = new ResourceOwner("test");
             CpuScorer scorer = owner.register(new CpuScorer(owner))) {
            ScoreBatch batch = new ScoreBatch(dim, 6);
            for (int q = 0; q < 6; q++) {
                // from none to about twice the catalog's size (so dense runs of excluded items, and duplicates)
                int count = q == 0 ? 0 : rnd.nextInt(2 * nItems + 1);
                batch.add(TestData.randomVector(rnd, dim), TestData.randomExcludes(rnd, items.size(), count));
            }
            TopKResult out = new TopKResult();
            scorer.topK(items, batch, k, out);
            for (int r = 0; r < 6; r++) {
                var ref = TestData.referenceRanking(items, batch, r);
                assertThat(out.count(r)).as("query %d", r).isEqualTo(Math.min(k, ref.size()));
                for (int j = 0; j < out.count(r); j++) {
                    assertThat(out.index(r, j)).as("query %d rank %d", r, j).isEqualTo(ref.get(j).index());
                    assertThat(out.score(r, j)).isEqualTo(ref.get(j).score());
                }
            }
        }
    }
}
