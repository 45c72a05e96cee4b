package dev.hyperrec.topology.eval;

/**
 * Accumulates the prequential metrics of one method. Each test event has exactly one relevant
 * item (the one the user rated next), so recall@k is the share of test events whose item is in the
 * top k (hit@k), and NDCG@k is the mean of {@code 1 / log2(rank + 1)} over test events whose item is
 * ranked within the top k (the ideal DCG of one relevant item is 1; a miss scores 0).
 */
public final class Metrics {
    private long tests;
    private long hits10;
    private long hits20;
    private double dcg10;
    private final java.util.BitSet covered = new java.util.BitSet();

    /** The 1-based rank of {@code item} in {@code list[0..n)}, or 0 when absent. */
    public static int rank(int[] list, int n, int item) {
        for (int i = 0; i < n; i++) {
            if (list[i] == item) {
                return i + 1;
            }
        }
        return 0;
    }

    /** NDCG@k of one test event with a single relevant item at 1-based {@code rank} (0 = absent). */
    public static double ndcg(int rank, int k) {
        return rank >= 1 && rank <= k ? 1.0 / (Math.log(rank + 1) / Math.log(2)) : 0.0;
    }

    /** Records one test event: the list shown, its length, and the rank of the relevant item (0 = miss). */
    public void record(int[] list, int n, int rank) {
        tests++;
        if (rank >= 1 && rank <= 10) {
            hits10++;
        }
        if (rank >= 1 && rank <= 20) {
            hits20++;
        }
        dcg10 += ndcg(rank, 10);
        for (int i = 0; i < Math.min(10, n); i++) {
            covered.set(list[i]);
        }
    }

    public long tests() {
        return tests;
    }

    public double recallAt10() {
        return tests == 0 ? 0 : (double) hits10 / tests;
    }

    public double recallAt20() {
        return tests == 0 ? 0 : (double) hits20 / tests;
    }

    public double ndcgAt10() {
        return tests == 0 ? 0 : dcg10 / tests;
    }

    /** Distinct items that appeared in some top-10 list, over {@code catalogSize}. */
    public double coverageAt10(int catalogSize) {
        return catalogSize == 0 ? 0 : (double) covered.cardinality() / catalogSize;
    }
}
