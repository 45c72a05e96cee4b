package dev.hyperrec.operators.random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Random123's known-answer vectors for philox4x32-10 (kat_vectors) and the uniform mapping. */
class Philox4x32Test {

    @Test
    void zeroCounterZeroKey() {
        assertThat(Philox4x32.block(new int[] {0, 0, 0, 0}, new int[] {0, 0}))
                .containsExactly(0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8);
    }

    @Test
    void allOnes() {
        int f = 0xffffffff;
        assertThat(Philox4x32.block(new int[] {f, f, f, f}, new int[] {f, f}))
                .containsExactly(0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd);
    }

    @Test
    void piDigits() {
        assertThat(Philox4x32.block(new int[] {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
                new int[] {0xa4093822, 0x299f31d0}))
                .containsExactly(0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1);
    }

    @Test
    void blockWritesIntoTheGivenArray() {
        int[] out = new int[4];
        Philox4x32.block(0, 0, 0, 0, 0, 0, out);
        assertThat(out).containsExactly(0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8);
        assertThatThrownBy(() -> Philox4x32.block(new int[3], new int[2])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void uniformIsInsideTheOpenIntervalAndUsesTheTopBits() {
        assertThat(Philox4x32.uniform(0, 0)).isEqualTo(0x1p-53);
        assertThat(Philox4x32.uniform(-1, -1)).isEqualTo(1.0 - 0x1p-53).isLessThan(1.0);
        assertThat(Philox4x32.uniform(0x80000000, 0)).isEqualTo(0.5 + 0x1p-53);
        // the low 12 bits of the second word are dropped
        assertThat(Philox4x32.uniform(1234, 0xfff)).isEqualTo(Philox4x32.uniform(1234, 0));
        assertThat(Philox4x32.uniform(1234, 0x1000)).isGreaterThan(Philox4x32.uniform(1234, 0xfff));
    }
}
