package dev.hyperrec.topology.rerank;

import dev.hyperrec.operators.AttentionReranker;
import dev.hyperrec.operators.AttentionWeights;
import dev.hyperrec.operators.ItemCatalog;
import dev.hyperrec.topology.engine.PendingEvent;
import dev.hyperrec.topology.engine.RankingStage;
import java.util.Arrays;
import java.util.function.Supplier;

/**
 * The attention reranker as a ranking stage: the list's top {@code M} candidates by the score so far
 * are scored by the {@link AttentionReranker} operator with the current weights (user vector plus
 * {@link ContextFeatures}); each gets {@code s_j / baseScale} added (see {@link AttentionWeights}) and
 * its per-head attention weights as the item's explanation. Without weights (none trained yet, or
 * no file) the stage changes nothing. Weights come from a supplier read once per list, so a new
 * version ({@link WeightsFile}) takes effect at the next list.
 *
 * <p>With a {@link Recorder}, every list's top {@code M} (query, embeddings, base scores, items) is
 * handed over, weights or not, so the caller can turn it into a training example once the outcome
 * is known. Thread affinity: the owning task's.
 */
public final class AttentionStage implements RankingStage {
    /** Receives each reranked list's inputs; the arrays are fresh copies the receiver may keep. */
    public interface Recorder {
        void record(PendingEvent event, float[] query, float[] candidates, float[] base, int[] items, int m);
    }

    private final AttentionReranker reranker;
    private final ItemCatalog catalog;
    private final int maxCandidates;
    private final Supplier<AttentionWeights> weights;
    private final ContextFeatures context = new ContextFeatures();
    private final float[] features = new float[ContextFeatures.WIDTH];
    private Recorder recorder;
    private long nanos;

    public AttentionStage(AttentionReranker reranker, ItemCatalog catalog, int maxCandidates, Supplier<AttentionWeights> weights) {
        if (maxCandidates < 1 || maxCandidates > AttentionReranker.MAX_CANDIDATES) {
            throw new IllegalArgumentException("reranked candidates must be in [1, " + AttentionReranker.MAX_CANDIDATES + "], was " + maxCandidates);
        }
        this.reranker = reranker;
        this.catalog = catalog;
        this.maxCandidates = maxCandidates;
        this.weights = weights;
    }

    /** Sets the recorder of training inputs (null: none). */
    public AttentionStage recorder(Recorder r) {
        this.recorder = r;
        return this;
    }

    @Override
    public void observe(PendingEvent event, int user, int item, float weight) {
        context.observe(user, event.eventTimeMs());
    }

    @Override
    public void adjust(Candidates list) {
        AttentionWeights w = weights.get();
        if (w == null && recorder == null) {
            return;
        }
        long t0 = System.nanoTime();
        int n = list.size;
        Integer[] order = new Integer[n];
        for (int j = 0; j < n; j++) {
            order[j] = j;
        }
        float[] total = list.total;
        Arrays.sort(order, (a, b) -> {
            int cmp = Float.compare(total[b], total[a]);
            return cmp != 0 ? cmp : Integer.compare(list.items[a], list.items[b]);
        });
        int m = Math.min(maxCandidates, n);
        int[] items = new int[m];
        for (int j = 0; j < m; j++) {
            items[j] = list.items[order[j]];
        }
        context.features(list.event, list.user, features);
        if (recorder != null) {
            int dim = catalog.dim();
            float[] query = Arrays.copyOf(list.query, dim + ContextFeatures.WIDTH);
            System.arraycopy(features, 0, query, dim, ContextFeatures.WIDTH);
            float[] x = new float[m * dim];
            float[] base = new float[m];
            for (int j = 0; j < m; j++) {
                catalog.copyEmbedding(items[j], x, j * dim);
                base[j] = total[order[j]];
            }
            recorder.record(list.event, query, x, base, items, m);
        }
        if (w != null) {
            float[] s = new float[m];
            float[] att = new float[w.heads() * m];
            reranker.score(w, catalog, list.query, features, items, m, s, att);
            for (int j = 0; j < m; j++) {
                int o = order[j];
                total[o] += s[j] / w.baseScale();
                float[] ex = new float[w.heads()];
                for (int h = 0; h < w.heads(); h++) {
                    ex[h] = att[h * m + j];
                }
                list.explanation[o] = ex;
            }
        }
        nanos += System.nanoTime() - t0;
    }

    @Override
    public long nanos() {
        return nanos;
    }

    @Override
    public void close() {
        reranker.close();
    }
}
