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
 * give bit-identical rows, equal to the reference definition, also while the catalog changes.
 */
class CpuScorerMirrorTest {

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
}
