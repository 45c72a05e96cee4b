package dev.hyperrec.topology.eval;

import dev.hyperrec.operators.ForwardingBackend;
import dev.hyperrec.operators.ItemCatalog;
import dev.hyperrec.operators.MixtureOfLogits;
import dev.hyperrec.operators.MolTrainer;
import dev.hyperrec.operators.OperatorBackend;
import dev.hyperrec.operators.ScoreBatch;
import dev.hyperrec.operators.Scorer;
import dev.hyperrec.operators.TopKResult;
import dev.hyperrec.operators.UserTable;
import java.util.ArrayDeque;
import java.util.SplittableRandom;

/**
 * The Mixture-of-Logits scorer inside the prequential replay, trained on the past only. Each learned
 * positive event (learning weight &gt; 0) after the training prefix becomes an example — the user's
 * vector just before the event, the event's item, and {@value #NEGATIVES} items sampled uniformly
 * (seeded by the event) from the items already learned — and at each refresh (the embeddings'
 * cadence) the weights are retrained on the most recent {@code window} examples, warm-started, and
 * swapped into the engine's scorer. Until the first refresh the engine scores with the dot product.
 * It reaches the engine through {@link #backend}: a backend whose scorers delegate to the current
 * weights.
 */
final class PrequentialMol {
    static final int NEGATIVES = 20;

    private final int userComponents;
    private final int itemComponents;
    private final int width;
    private final int window;
    private final long seed;
    private final ArrayDeque<MolTrainer.Example> examples = new ArrayDeque<>();
    private MixtureOfLogits weights;
    private int refreshes;
    private long trainNanos;

    PrequentialMol(int userComponents, int itemComponents, int width, int window, long seed) {
        this.userComponents = userComponents;
        this.itemComponents = itemComponents;
        this.width = width;
        this.window = window;
        this.seed = seed;
    }

    /** Records the example of a positive event before the engine learns it ({@code items}: the learned items so far). */
    void observe(Event e, UserTable users, ItemCatalog catalog, java.util.List<Integer> items,
            java.util.function.IntUnaryOperator catalogIndex) {
        int u = users.indexOf(e.userId());
        int pos = catalogIndex.applyAsInt(e.item());
        if (e.rating() < Prequential.POSITIVE || u < 0 || pos < 0 || items.size() <= NEGATIVES) {
            return;
        }
        int dim = catalog.dim();
        float[] q = new float[dim];
        users.copyRow(u, q, 0);
        boolean zero = true;
        for (float v : q) {
            zero &= v == 0f;
        }
        if (zero) {
            return;
        }
        float[] x = new float[(NEGATIVES + 1) * dim];
        catalog.copyEmbedding(pos, x, 0);
        SplittableRandom rnd = new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (e.position() + 1)));
        for (int j = 1; j <= NEGATIVES; j++) {
            int item;
            do {
                item = items.get(rnd.nextInt(items.size()));
            } while (item == e.item());
            catalog.copyEmbedding(catalogIndex.applyAsInt(item), x, j * dim);
        }
        examples.addLast(new MolTrainer.Example(q, x, NEGATIVES + 1, 0));
        if (examples.size() > window) {
            examples.removeFirst();
        }
    }

    /** Retrains on the recent examples and swaps the weights in (called at the embeddings' refresh points). */
    void refresh(int dim) {
        if (examples.isEmpty()) {
            return;
        }
        long t0 = System.nanoTime();
        MolTrainer trainer = new MolTrainer(0.005, seed + refreshes);
        examples.forEach(trainer::add);
        MixtureOfLogits start = weights != null ? weights
                : MixtureOfLogits.initial("prequential-0", userComponents, itemComponents, width, dim, seed);
        weights = trainer.train(start, "prequential-" + ++refreshes, 1, 64);
        trainNanos += System.nanoTime() - t0;
    }

    double trainSeconds() {
        return trainNanos / 1e9;
    }

    /** {@code inner} with scorers that use the current weights (the dot product before the first refresh). */
    OperatorBackend backend(OperatorBackend inner) {
        return new ForwardingBackend(inner) {
            @Override
            public Scorer newScorer() {
                return new Swappable(inner);
            }

            @Override
            public void close() {
                // the inner backend belongs to the caller
            }
        };
    }

    /** A scorer that follows the current weights. */
    private final class Swappable implements Scorer {
        private final OperatorBackend inner;
        private final Scorer dot;
        private Scorer mol;
        private MixtureOfLogits molWeights;

        Swappable(OperatorBackend inner) {
            this.inner = inner;
            this.dot = inner.newScorer();
        }

        @Override
        public void topK(ItemCatalog items, ScoreBatch batch, int k, TopKResult out) {
            if (weights == null) {
                dot.topK(items, batch, k, out);
                return;
            }
            if (weights != molWeights) {
                if (mol != null) {
                    mol.close();
                }
                mol = inner.newMixtureOfLogitsScorer(weights);
                molWeights = weights;
            }
            mol.topK(items, batch, k, out);
        }

        @Override
        public void close() {
            dot.close();
            if (mol != null) {
                mol.close();
            }
        }
    }
}
