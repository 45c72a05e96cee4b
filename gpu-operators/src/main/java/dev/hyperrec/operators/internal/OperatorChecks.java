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
            if (batch.extrasTotal() > 0) {
                int n = items.size();
                for (int r = 0; r < nq; r++) {
                    for (int x : batch.extras(r)) {
                        if (x < 0 || x >= n) {
                            throw new OperatorException("extra item " + x + " of query " + r + " outside the catalog's " + n + " rows");
                        }
                    }
                }
            }
            out.resetExtras(batch);
        }
        return nq;
    }

    /** Refuses extra items in a batch for a scorer of another similarity than the dot product. */
    public static void noExtras(ScoreBatch batch, String scorer) {
        if (batch.extrasTotal() > 0) {
            throw new OperatorException(scorer + " does not score extra items (" + batch.extrasTotal() + " given): its"
                    + " similarity is not the dot product that extras are defined by");
        }
    }

    /**
     * Checks a mixture-of-logits {@code Scorer.topK} call: {@link #scoreCall} and weights of the
     * catalog's dimension.
     *
     * @return the number of queries (0: nothing to score, {@code out} is empty)
     */
    public static int molScoreCall(ItemCatalog items, ScoreBatch batch, int k, TopKResult out, int weightsDim) {
        int nq = scoreCall(items, batch, k, out);
        noExtras(batch, "the mixture-of-logits scorer");
        if (items.dim() != weightsDim) {
            throw new OperatorException("mixture-of-logits weights have dimension " + weightsDim + ", catalog " + items.dim());
        }
        return nq;
    }

    /** Checks a {@code GraphSignal.addEdge} item against the catalog. */
    public static void graphEdge(ItemCatalog catalog, int item) {
        if (item >= catalog.size()) {
            throw new OperatorException("graph edge item " + item + " outside the catalog's " + catalog.size() + " rows");
        }
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

    /** {@code n} is non-negative and fits every array of the call. */
    public static void count(int n, int... lengths) {
        if (n < 0) {
            throw new OperatorException("n must be >= 0, was " + n);
        }
        for (int len : lengths) {
            if (n > len) {
                throw new OperatorException("n = " + n + " exceeds an array of length " + len);
            }
        }
    }

    /**
     * Checks an {@code EmbeddingUpdater.apply} batch: users in range, items active, weights finite.
     * Call with the catalog's read lock held ({@code active} and {@code itemCount} are its raw state).
     */
    public static void updateEntries(int[] us, int[] is, float[] ws, int n, int userCount, boolean[] active,
            int itemCount) {
        for (int e = 0; e < n; e++) {
            if (us[e] < 0 || us[e] >= userCount) {
                throw new OperatorException("batch entry " + e + ": user index " + us[e] + " out of range [0, " + userCount + ")");
            }
            if (is[e] < 0 || is[e] >= itemCount || !active[is[e]]) {
                throw new OperatorException("batch entry " + e + ": item index " + is[e] + " is not an active catalog item (catalog size " + itemCount + ")");
            }
            if (!Float.isFinite(ws[e])) {
                throw new OperatorException("batch entry " + e + ": weight " + ws[e] + " is not finite");
            }
        }
    }

    /**
     * Checks the snapshot arguments of {@code EmbeddingUpdater.apply}: both null, or {@code slots} holding
     * {@code n} entries, each -1 or a slot whose row fits in {@code out} ({@code dim} floats a slot), no slot twice.
     *
     * @return how many slots the batch uses (the largest slot + 1; 0 without snapshots)
     */
    public static int snapshotSlots(int[] slots, float[] out, int n, int dim) {
        if (slots == null && out == null) {
            return 0;
        }
        Objects.requireNonNull(slots, "snapshotSlot");
        Objects.requireNonNull(out, "out");
        if (slots.length < n) {
            throw new OperatorException("snapshotSlot has " + slots.length + " entries, the batch " + n + " events");
        }
        long capacity = dim == 0 ? Long.MAX_VALUE : out.length / dim;
        int used = 0;
        java.util.BitSet taken = new java.util.BitSet();
        for (int e = 0; e < n; e++) {
            int s = slots[e];
            if (s < -1 || s >= capacity) {
                throw new OperatorException("batch entry " + e + ": snapshot slot " + s + " outside [-1, " + capacity + ")");
            }
            if (s >= 0) {
                if (taken.get(s)) {
                    throw new OperatorException("batch entry " + e + ": snapshot slot " + s + " is chosen twice");
                }
                taken.set(s);
            }
            used = Math.max(used, s + 1);
        }
        return used;
    }

    /** Checks a {@code ThompsonSampler.sample} call: arrays present and long enough, Beta parameters finite and > 0. */
    public static void sampleCall(long[] itemKeys, double[] alpha, double[] beta, int n, float[] out) {
        Objects.requireNonNull(itemKeys, "itemKeys");
        Objects.requireNonNull(alpha, "alpha");
        Objects.requireNonNull(beta, "beta");
        Objects.requireNonNull(out, "out");
        count(n, itemKeys.length, alpha.length, beta.length, out.length);
        for (int i = 0; i < n; i++) {
            if (!(alpha[i] > 0 && alpha[i] < Double.POSITIVE_INFINITY && beta[i] > 0 && beta[i] < Double.POSITIVE_INFINITY)) {
                throw new OperatorException("candidate " + i + ": Beta parameters must be finite and > 0, were alpha="
                        + alpha[i] + ", beta=" + beta[i]);
            }
        }
    }
}
