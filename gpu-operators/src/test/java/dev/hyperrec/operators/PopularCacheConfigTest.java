package dev.hyperrec.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PopularCacheConfigTest {

    @Test
    void validatesWithValueAndLimitInTheMessage() {
        assertThatThrownBy(() -> new PopularCacheConfig(0, 0.2, 1)).isInstanceOf(OperatorException.class).hasMessageContaining("was 0");
        assertThatThrownBy(() -> new PopularCacheConfig(Scorer.MAX_K + 1, 0.2, 1)).isInstanceOf(OperatorException.class)
                .hasMessageContaining("1024");
        assertThatThrownBy(() -> new PopularCacheConfig(5, -0.1, 1)).isInstanceOf(OperatorException.class);
        assertThatThrownBy(() -> new PopularCacheConfig(5, 1.5, 1)).isInstanceOf(OperatorException.class);
        assertThatThrownBy(() -> new PopularCacheConfig(5, Double.NaN, 1)).isInstanceOf(OperatorException.class);
        assertThatThrownBy(() -> new PopularCacheConfig(5, 0.2, 0)).isInstanceOf(OperatorException.class).hasMessageContaining("periodMs");
        assertThat(new PopularCacheConfig(Scorer.MAX_K, 1.0, 1).rowLength()).isEqualTo(1024);
        assertThat(PopularCacheConfig.defaults().driftThreshold()).isBetween(0.0, 1.0);
    }

    @Test
    void jaccardDistance() {
        assertThat(PopularItemCache.jaccardDistance(new long[0], new long[0])).isZero();
        assertThat(PopularItemCache.jaccardDistance(new long[] {1, 2}, new long[0])).isEqualTo(1.0);
        assertThat(PopularItemCache.jaccardDistance(new long[] {-5, 1, 2, 3}, new long[] {-5, 1, 2, 4})).isEqualTo(0.4);
        assertThat(PopularItemCache.jaccardDistance(new long[] {1, 2, 3}, new long[] {1, 2, 3})).isZero();
    }
}
