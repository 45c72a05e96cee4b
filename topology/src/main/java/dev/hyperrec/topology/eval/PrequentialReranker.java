package dev.hyperrec.topology.eval;

import dev.hyperrec.operators.AttentionTrainer;
import dev.hyperrec.operators.AttentionWeights;
import dev.hyperrec.operators.OperatorBackend;
import dev.hyperrec.topology.engine.PendingEvent;
import dev.hyperrec.topology.engine.RecommenderEngine;
import dev.hyperrec.topology.rerank.AttentionStage;
import dev.hyperrec.topology.rerank.ContextFeatures;

/**
 * The attention reranker inside the prequential replay, trained on the past only: every list the
 * engine ranks for a test event is recorded (its top-M candidates' embeddings, base scores, the
 * user vector and context); when the harness then hands over that event to learn — after it was
 * scored — the rated item, if it is among the candidates, turns the record into a training example.
 * At each refresh (the same cadence as the item embeddings, see {@link EngineRecommender}) the
 * weights are retrained, warm-started, on the most recent {@code window} examples and swapped in for
 * the next list. No weights exist before the first refresh: the stage is then a pass-through.
 */
public final class PrequentialReranker {
    static final float START_BASE_SCALE = 20f;

    private final OperatorBackend backend;
    private final int heads;
    private final int candidates;
    private final int window;
    private final int epochs;
    private final long seed;
    private final java.util.ArrayDeque<AttentionTrainer.Example> examples = new java.util.ArrayDeque<>();
    private AttentionWeights weights;
    private int refreshes;
    private long trainNanos;
    private PendingEvent lastEvent;
    private float[] lastQuery;
    private float[] lastX;
    private float[] lastBase;
    private int[] lastItems;
    private int lastM;
    private int dim;

    public PrequentialReranker(OperatorBackend backend, int heads, int candidates, int window, int epochs, long seed) {
        this.backend = backend;
        this.heads = heads;
        this.candidates = candidates;
        this.window = window;
        this.epochs = epochs;
        this.seed = seed;
    }

    AttentionStage stage(RecommenderEngine engine) {
        dim = engine.catalog().dim();
        return new AttentionStage(backend.newAttentionReranker(), engine.catalog(), candidates, () -> weights)
                .recorder((event, query, x, base, items, m) -> {
                    lastEvent = event;
                    lastQuery = query;
                    lastX = x;
                    lastBase = base;
                    lastItems = items;
                    lastM = m;
                });
    }

    /** The event just scored is being learned: its item (catalog index, -1 if new) completes the last list's example. */
    void outcome(Event e, int item) {
        if (lastEvent == null || !lastEvent.eventId().equals("t" + e.position())) {
            return;
        }
        for (int j = 0; j < lastM && item >= 0; j++) {
            if (lastItems[j] == item) {
                examples.addLast(new AttentionTrainer.Example(lastQuery, lastX, lastBase, lastM, j));
                if (examples.size() > window) {
                    examples.removeFirst();
                }
                break;
            }
        }
        lastEvent = null;
    }

    /** Retrains on the recent examples (called at the embeddings' refresh points); with 0 epochs it only records. */
    void refresh() {
        if (examples.isEmpty() || epochs == 0) {
            return;
        }
        long t0 = System.nanoTime();
        AttentionTrainer trainer = new AttentionTrainer(0.005, 1e-3, seed + refreshes);
        examples.forEach(trainer::add);
        AttentionWeights start = weights != null ? weights : start("prequential-0");
        weights = trainer.train(start, "prequential-" + ++refreshes, epochs, 64);
        trainNanos += System.nanoTime() - t0;
    }

    /** Examples held (at most {@code window}). */
    public int examples() {
        return examples.size();
    }

    /** Trains fresh weights, from {@link AttentionWeights#identity}, on every example held (the trainer command's final fit). */
    public AttentionWeights trainAll(String version, int trainEpochs) {
        AttentionTrainer trainer = new AttentionTrainer(0.005, 1e-3, seed);
        examples.forEach(trainer::add);
        return trainer.train(start(version), version, trainEpochs, 64);
    }

    /**
     * The identity weights with base scale {@value #START_BASE_SCALE}: the base ranking's scores differ by
     * about 0.1 between its top candidates, so a logit scale near 1 would start (and, at Adam's step
     * size, long stay) close to ignoring it.
     */
    private AttentionWeights start(String version) {
        AttentionWeights id = AttentionWeights.identity(version, heads, dim, ContextFeatures.WIDTH);
        return new AttentionWeights(version, heads, dim, ContextFeatures.WIDTH, START_BASE_SCALE, id.wq(), id.wk(), id.wv(), id.wo());
    }

    /** Wall time spent training so far, in seconds (offline work, not part of a batch's latency). */
    public double trainSeconds() {
        return trainNanos / 1e9;
    }

    public int refreshes() {
        return refreshes;
    }

    /** The weights in use (null before the first refresh). */
    public AttentionWeights weights() {
        return weights;
    }
}
