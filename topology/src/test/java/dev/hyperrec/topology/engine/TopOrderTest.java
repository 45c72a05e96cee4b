package dev.hyperrec.topology.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** The ranking's top-k selection equals a full sort by (total descending, item id ascending). */
class TopOrderTest {
    @Property(tries = 300)
    void theTopKEqualTheFirstKOfAFullSort(@ForAll @IntRange(min = 1, max = 400) int nc, @ForAll @IntRange(min = 1, max = 60) int k,
            @ForAll long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] total = new float[nc];
        String[] ids = new String[nc];
        for (int j = 0; j < nc; j++) {
            // few distinct totals, so ties (broken by id) are common; ids are unique
            total[j] = rnd.nextInt(8) * 0.25f - (rnd.nextInt(10) == 0 ? Float.MIN_VALUE : 0f);
            ids[j] = "item-" + rnd.nextInt(1000) + "-" + j;
        }
        int kk = Math.min(k, nc);
        Integer[] order = new Integer[nc];
        for (int j = 0; j < nc; j++) {
            order[j] = j;
        }
        Arrays.sort(order, Comparator.<Integer>comparingDouble(j -> -total[j]).thenComparing(j -> ids[j]));
        int[] expected = new int[kk];
        for (int r = 0; r < kk; r++) {
            expected[r] = order[r];
        }
        assertThat(RecommenderEngine.topOrder(total, ids, nc, kk)).containsExactly(expected);
    }

    @Test
    void equalTotalsRankBySmallerIdAndHigherTotalsFirst() {
        float[] total = {1f, 2f, 2f, 0.5f, 2f};
        String[] ids = {"a", "d", "b", "c", "c"};
        assertThat(RecommenderEngine.topOrder(total, ids, 5, 5)).containsExactly(2, 4, 1, 0, 3);
        assertThat(RecommenderEngine.topOrder(total, ids, 5, 2)).containsExactly(2, 4);
    }
}
