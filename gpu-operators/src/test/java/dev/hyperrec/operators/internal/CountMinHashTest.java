package dev.hyperrec.operators.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hyperrec.operators.OperatorException;
import java.math.BigInteger;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class CountMinHashTest {
    private static final BigInteger P = BigInteger.valueOf(CountMinHash.P);

    private static BigInteger unsigned(long v) {
        return new BigInteger(Long.toUnsignedString(v));
    }

    @Property(tries = 2000, seed = "61")
    void mulModIsExact(@ForAll @LongRange(min = 0, max = (1L << 61) - 2) long a,
                       @ForAll @LongRange(min = 0, max = (1L << 61) - 2) long x) {
        assertThat(CountMinHash.mulMod(a, x)).isEqualTo(BigInteger.valueOf(a).multiply(BigInteger.valueOf(x)).mod(P).longValueExact());
    }

    @Property(tries = 2000, seed = "62")
    void reduceIsUnsignedModP(@ForAll long x) {
        assertThat(CountMinHash.reduce(x)).isEqualTo(unsigned(x).mod(P).longValueExact());
    }

    @Property(tries = 3000, seed = "63")
    void divisionFreeModuloEqualsTheRemainder(@ForAll @LongRange(min = 0, max = (1L << 61) - 2) long h,
                                              @ForAll @IntRange(min = 1, max = Integer.MAX_VALUE) int width) {
        assertThat(new CountMinHash(1, width, 1).mod(h)).isEqualTo((int) (h % width));
    }

    @Test
    void divisionFreeModuloAtTheEdges() {
        long top = CountMinHash.P - 1;
        for (int width : new int[] {1, 2, 3, 7, 1000, 1024, 1360, 1_048_583, Integer.MAX_VALUE - 1, Integer.MAX_VALUE}) {
            CountMinHash hash = new CountMinHash(1, width, 1);
            for (long h : new long[] {0, 1, width - 1L, width, width + 1L, top, top - 1, top - top % width, top - top % width - 1,
                    (1L << 53) + 1, (1L << 60) - 1}) {
                if (h >= 0 && h <= top) {
                    assertThat(hash.mod(h)).as("%d mod %d", h, width).isEqualTo((int) (h % width));
                }
            }
        }
    }

    @Test
    void edgeValues() {
        long p = CountMinHash.P;
        assertThat(CountMinHash.reduce(p)).isZero();
        assertThat(CountMinHash.reduce(-1L)).isEqualTo(unsigned(-1L).mod(P).longValueExact());
        assertThat(CountMinHash.mulMod(p - 1, p - 1)).isEqualTo(1L); // (-1)^2
        assertThat(CountMinHash.mulMod(0, p - 1)).isZero();
    }

    @Property(tries = 200, seed = "63")
    void bucketsAreInRangeAndParametersValid(@ForAll long seed, @ForAll long key, @ForAll @IntRange(min = 1, max = 100_000) int width) {
        CountMinHash h = new CountMinHash(4, width, seed);
        for (int r = 0; r < 4; r++) {
            assertThat(h.a(r)).isBetween(1L, CountMinHash.P - 1);
            assertThat(h.b(r)).isBetween(0L, CountMinHash.P - 1);
            int expected = BigInteger.valueOf(h.a(r)).multiply(unsigned(key).mod(P)).add(BigInteger.valueOf(h.b(r)))
                    .mod(P).mod(BigInteger.valueOf(width)).intValueExact();
            assertThat(h.bucket(r, key)).isEqualTo(expected);
        }
    }

    @Test
    void rowsAreSpreadRoughlyUniformly() {
        int width = 100;
        CountMinHash h = new CountMinHash(3, width, 12345);
        for (int r = 0; r < 3; r++) {
            int[] counts = new int[width];
            for (long k = 0; k < 100_000; k++) {
                counts[h.bucket(r, k)]++;
            }
            // sequential keys through a universal hash: each bucket near 1000
            for (int c : counts) {
                assertThat(c).isBetween(800, 1200);
            }
        }
        assertThat(h.a(0)).isNotEqualTo(h.a(1));
        assertThat(new CountMinHash(3, width, 12346).a(0)).isNotEqualTo(h.a(0));
        assertThatThrownBy(() -> new CountMinHash(0, 5, 1)).isInstanceOf(OperatorException.class);
    }
}
