package dev.hyperrec.operators;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SketchStateTest {

    @Test
    void equalityComparesArrayContents() {
        SketchState a = new SketchState(2, 1, new long[] {1, 2}, 3, 4, new long[] {9});
        SketchState b = new SketchState(2, 1, new long[] {1, 2}, 3, 4, new long[] {9});
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a).isNotEqualTo(new SketchState(2, 1, new long[] {1, 3}, 3, 4, new long[] {9}));
        assertThat(a).isNotEqualTo(new SketchState(2, 1, new long[] {1, 2}, 3, 5, new long[] {9}));
        assertThat(a).isNotEqualTo(new SketchState(2, 1, new long[] {1, 2}, 3, 4, new long[] {8}));
        assertThat(a.toString()).contains("2 longs");
    }
}
