package dev.hyperrec.topology.eval;

import java.util.function.IntPredicate;

/**
 * Incremental item-to-item kNN (in the spirit of Miranda &amp; Jorge 2009, with a co-occurrence window as
 * in session-based kNN): every interaction adds co-occurrence with the user's last {@code window}
 * items; similarity is cosine on the co-occurrence counts, {@code c_ij / sqrt(n_i n_j)}. A user's list
 * ranks items by similarity to their last {@code seeds} items, the newest weighted most — the "similar
 * to what you just did" source on its own.
 */
public final class ItemKnnRecommender implements StreamingRecommender {
    private final CoOccurrence co;
    private final int seeds;
    private final float seedDecay;

    public ItemKnnRecommender(int window, int seeds, float seedDecay) {
        this.co = new CoOccurrence(window);
        this.seeds = seeds;
        this.seedDecay = seedDecay;
    }

    @Override
    public String name() {
        return "item-knn";
    }

    @Override
    public int recommend(Event event, int k, IntPredicate excluded, int[] out) {
        int n = co.score(event.user(), seeds, seedDecay);
        return TopK.select(co.touched(), n, co.scores(), k, excluded, out);
    }

    @Override
    public void learn(Event e) {
        co.learn(e.user(), e.item());
    }
}
