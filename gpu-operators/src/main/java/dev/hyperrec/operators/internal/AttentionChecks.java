package dev.hyperrec.operators.internal;

import dev.hyperrec.operators.AttentionReranker;
import dev.hyperrec.operators.AttentionWeights;
import dev.hyperrec.operators.ItemCatalog;
import dev.hyperrec.operators.OperatorException;
import java.util.Objects;

/** Argument checks of {@link AttentionReranker#score}, shared by the backends so they refuse the same inputs. */
public final class AttentionChecks {
    private AttentionChecks() {
    }

    public static void scoreCall(AttentionWeights w, ItemCatalog catalog, float[] user, float[] context, int[] items,
            int n, float[] scores, float[] attention) {
        Objects.requireNonNull(w, "weights");
        Objects.requireNonNull(catalog, "catalog");
        if (catalog.dim() != w.dim()) {
            throw new OperatorException("attention weights have dimension " + w.dim() + ", catalog " + catalog.dim());
        }
        if (user.length < w.dim()) {
            throw new OperatorException("query has " + user.length + " values, weights need " + w.dim());
        }
        if (context.length < w.context()) {
            throw new OperatorException("context has " + context.length + " values, weights need " + w.context());
        }
        if (n < 1 || n > AttentionReranker.MAX_CANDIDATES) {
            throw new OperatorException("candidates must be in [1, " + AttentionReranker.MAX_CANDIDATES + "], was " + n);
        }
        OperatorChecks.count(n, items.length, scores.length);
        if ((long) w.heads() * n > attention.length) {
            throw new OperatorException("attention output holds " + attention.length + " values, needs heads * n = " + (long) w.heads() * n);
        }
        for (int j = 0; j < n; j++) {
            if (items[j] < 0 || items[j] >= catalog.size()) {
                throw new OperatorException("candidate " + j + " has item index " + items[j] + " outside [0, " + catalog.size() + ")");
            }
        }
    }

    /** {@code [user; context]} in {@code buffer} (grown when too small). */
    public static float[] query(AttentionWeights w, float[] user, float[] context, float[] buffer) {
        float[] q = buffer.length >= w.queryWidth() ? buffer : new float[w.queryWidth()];
        System.arraycopy(user, 0, q, 0, w.dim());
        System.arraycopy(context, 0, q, w.dim(), w.context());
        return q;
    }
}
