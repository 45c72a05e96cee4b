package dev.hyperrec.topology.eval;

import java.util.BitSet;
import java.util.SplittableRandom;
import java.util.function.IntPredicate;

/** The floor: items drawn uniformly from those seen so far, with draws keyed by (seed, event). */
public final class RandomRecommender implements StreamingRecommender {
    private final long seed;
    private int[] items = new int[1024];
    private int size;
    private final BitSet known = new BitSet();

    public RandomRecommender(long seed) {
        this.seed = seed;
    }

    @Override
    public String name() {
        return "random";
    }

    @Override
    public int recommend(Event event, int k, IntPredicate excluded, int[] out) {
        SplittableRandom rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + event.position());
        BitSet taken = new BitSet();
        int n = 0;
        for (int attempt = 0; attempt < 50 * k && n < k && size > 0; attempt++) {
            int item = items[rnd.nextInt(size)];
            if (!excluded.test(item) && !taken.get(item)) {
                taken.set(item);
                out[n++] = item;
            }
        }
        return n;
    }

    @Override
    public void learn(Event e) {
        if (!known.get(e.item())) {
            known.set(e.item());
            if (size == items.length) {
                items = java.util.Arrays.copyOf(items, size * 2);
            }
            items[size++] = e.item();
        }
    }
}
