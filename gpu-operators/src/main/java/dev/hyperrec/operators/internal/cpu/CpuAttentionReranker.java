package dev.hyperrec.operators.internal.cpu;

import dev.hyperrec.operators.AttentionReranker;
import dev.hyperrec.operators.AttentionWeights;
import dev.hyperrec.operators.ItemCatalog;
import dev.hyperrec.operators.internal.AttentionMath;
import dev.hyperrec.operators.internal.AttentionChecks;
import dev.hyperrec.operators.internal.ResourceOwner;

/**
 * The reference {@link AttentionReranker}: {@link AttentionMath#forward} on the gathered candidate
 * embeddings. Thread affinity: confined to the task thread.
 */
final class CpuAttentionReranker extends CpuOperator implements AttentionReranker {
    private final AttentionMath.Pass pass = new AttentionMath.Pass();
    private float[] x = new float[0];
    private float[] query = new float[0];

    CpuAttentionReranker(ResourceOwner owner) {
        super(owner, "attention reranker");
    }

    @Override
    public void score(AttentionWeights weights, ItemCatalog catalog, float[] user, float[] context, int[] items, int n,
            float[] scores, float[] attention) {
        checkOpen();
        AttentionChecks.scoreCall(weights, catalog, user, context, items, n, scores, attention);
        int dim = weights.dim();
        if (x.length < n * dim) {
            x = new float[n * dim];
        }
        for (int j = 0; j < n; j++) {
            catalog.copyEmbedding(items[j], x, j * dim);
        }
        query = AttentionChecks.query(weights, user, context, query);
        AttentionMath.forward(weights, query, x, n, pass);
        System.arraycopy(pass.scores(), 0, scores, 0, n);
        System.arraycopy(pass.attention(), 0, attention, 0, weights.heads() * n);
    }
}
