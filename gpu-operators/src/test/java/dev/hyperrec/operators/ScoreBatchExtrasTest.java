package dev.hyperrec.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** A batch's extra items and the result's layout of their scores, across growth and reuse. */
class ScoreBatchExtrasTest {

    @Test
    void extrasAreKeptPerQueryCountedAndClearedWithTheBatch() {
        ScoreBatch b = new ScoreBatch(2, 1);
        b.add(new float[] {1, 0}, null, new int[] {4, 2, 4});
        b.add(new float[] {0, 1}, new int[] {1});
        b.add(new float[] {1, 1}, null, new int[] {0});   // grows past the initial capacity
        assertThat(b.extras(0)).containsExactly(4, 2, 4);
        assertThat(b.extras(1)).isEmpty();
        assertThat(b.extras(2)).containsExactly(0);
        assertThat(b.extrasTotal()).isEqualTo(4);
        b.clear();
        assertThat(b.extrasTotal()).isZero();
        b.add(new float[] {1, 0}, null);
        assertThat(b.extras(0)).isEmpty();
    }

    @Test
    void theResultLaysTheExtrasOutQueryByQueryAndResetsThem() {
        ScoreBatch b = new ScoreBatch(2, 4);
        b.add(new float[] {1, 0}, null, new int[] {4, 2, 4});
        b.add(new float[] {0, 1}, null);
        b.add(new float[] {1, 1}, null, new int[] {0});
        TopKResult r = new TopKResult();
        r.reset(3, 5);
        r.resetExtras(b);
        assertThat(r.extraCount(0)).isEqualTo(3);
        assertThat(r.extraCount(1)).isZero();
        assertThat(r.extraCount(2)).isEqualTo(1);
        assertThat(r.extraOffset(2)).isEqualTo(3);
        assertThat(r.extraOffset(3)).isEqualTo(4);
        assertThat(r.extraScore(0, 2)).as("not filled yet").isNaN();
        r.rawExtraScores()[3] = 0.5f;
        assertThat(r.extraScore(2, 0)).isEqualTo(0.5f);
        assertThatThrownBy(() -> r.extraScore(1, 0)).isInstanceOf(IndexOutOfBoundsException.class);
        // a later call without extras leaves none behind
        r.reset(3, 5);
        assertThat(r.extraCount(0)).isZero();
        assertThat(r.extraCount(2)).isZero();
    }
}
