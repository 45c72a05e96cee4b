package dev.hyperrec.operators.internal;

import dev.hyperrec.operators.ItemCatalog;
import dev.hyperrec.operators.OperatorException;
import dev.hyperrec.operators.ScoreBatch;
import dev.hyperrec.operators.TopKResult;
import java.util.Objects;

/** Argument checks of the operator contracts, shared by every backend so they refuse the same inputs. */
public final class OperatorChecks {
    private OperatorChecks() {
    }

    /**
     * Checks a {@code Scorer.topK} call and sizes {@code out}.
     *
     * @return the number of queries (0: nothing to score, {@code out} is empty)
     */
    public static int scoreCall(ItemCatalog items, ScoreBatch batch, int k, TopKResult out) {
        Objects.requireNonNull(items, "items");
        Objects.requireNonNull(batch, "batch");
        Objects.requireNonNull(out, "out");
        int dim = items.dim();
        if (batch.dim() != dim) {
            throw new OperatorException("score batch has dimension " + batch.dim() + ", catalog " + dim);
        }
        int nq = batch.size();
        out.reset(nq, k);
        if (nq > 0) {
            validate(batch, nq, dim);
        }
        return nq;
    }

    private static void validate(ScoreBatch batch, int nq, int dim) {
        float[] q = batch.queries();
        for (int i = 0; i < nq * dim; i++) {
            if (!Float.isFinite(q[i])) {
                throw new OperatorException("query " + (i / dim) + " has a non-finite component " + q[i] + " at " + (i % dim));
            }
        }
        for (int r = 0; r < nq; r++) {
            int[] ex = batch.exclude(r);
            for (int j = 1; j < ex.length; j++) {
                if (ex[j] < ex[j - 1]) {
                    throw new OperatorException("exclude list of query " + r + " is not ascending at position " + j
                            + ": " + ex[j - 1] + " then " + ex[j]);
                }
            }
        }
    }
}
