package dev.hyperrec.topology.eval;

import java.util.function.IntPredicate;

/** Top-k selection over a dense score array restricted to a candidate list; ties rank the lower item first. */
final class TopK {
    private TopK() {
    }

    /**
     * Writes the best {@code k} of {@code candidates[0..n)} by {@code score[item]} (descending, ties by
     * lower index), skipping excluded items, to {@code out}; returns how many.
     */
    static int select(int[] candidates, int n, float[] score, int k, IntPredicate excluded, int[] out) {
        int m = 0;
        for (int c = 0; c < n; c++) {
            int item = candidates[c];
            float s = score[item];
            if (m == k && !better(s, item, score[out[m - 1]], out[m - 1])) {
                continue;
            }
            if (excluded.test(item)) {
                continue;
            }
            int pos = m == k ? k - 1 : m++;
            while (pos > 0 && better(s, item, score[out[pos - 1]], out[pos - 1])) {
                out[pos] = out[pos - 1];
                pos--;
            }
            out[pos] = item;
        }
        return m;
    }

    static boolean better(float s, int item, float t, int other) {
        return s > t || (s == t && item < other);
    }
}
