package dev.hyperrec.operators.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

class LongIntHashMapTest {

    /** Random put/remove/get sequences agree with {@link HashMap}, including collisions and deletions. */
    @Property(tries = 50, seed = "17")
    void behavesLikeAHashMap(@ForAll long seed, @ForAll @IntRange(min = 1, max = 300) int keySpace) {
        SplittableRandom rnd = new SplittableRandom(seed);
        LongIntHashMap map = new LongIntHashMap(1);
        Map<Long, Integer> ref = new HashMap<>();
        long[] keys = new long[keySpace];
        for (int i = 0; i < keySpace; i++) {
            keys[i] = rnd.nextBoolean() ? i : rnd.nextLong();
        }
        for (int op = 0; op < 3000; op++) {
            long k = keys[rnd.nextInt(keySpace)];
            switch (rnd.nextInt(3)) {
                case 0 -> {
                    int v = rnd.nextInt();
                    map.put(k, v);
                    ref.put(k, v);
                }
                case 1 -> assertThat(map.remove(k)).isEqualTo(ref.remove(k) != null);
                default -> {
                    assertThat(map.get(k, -7)).isEqualTo(ref.getOrDefault(k, -7));
                    assertThat(map.containsKey(k)).isEqualTo(ref.containsKey(k));
                }
            }
            assertThat(map.size()).isEqualTo(ref.size());
        }
        for (long k : keys) {
            assertThat(map.get(k, -7)).isEqualTo(ref.getOrDefault(k, -7));
        }
        map.clear();
        assertThat(map.size()).isZero();
        assertThat(map.containsKey(keys[0])).isFalse();
    }
}
