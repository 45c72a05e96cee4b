package dev.hyperrec.topology.eval;

import dev.hyperrec.topology.engine.CoOccurrenceCosine;
import java.util.Arrays;

/**
 * Windowed item co-occurrence counts learned incrementally (binary per user window, as
 * {@link CoOccurrenceCosine} defines them: an item already in the user's window is not counted again),
 * and scoring of a user's candidates by
 * cosine similarity {@code c_ij / sqrt(n_i n_j)} ({@link CoOccurrenceCosine#cosine}) to their most recent
 * items. Deterministic.
 */
final class CoOccurrence {
    private final int window;
    private final SparseRows counts = new SparseRows();
    private float[] itemCount = new float[0];
    /** Each user's window of distinct item indices, oldest first ({@link CoOccurrenceCosine#touch}). */
    private long[][] recent = new long[0][];
    private int[] recentSize = new int[0];
    private float[] score = new float[0];
    private int[] touched = new int[0];
    private boolean[] mark = new boolean[0];

    CoOccurrence(int window) {
        this.window = window;
    }

    void learn(int user, int item) {
        ensureUser(user);
        ensureItem(item);
        long[] r = recent[user];
        int size = recentSize[user];
        if (CoOccurrenceCosine.touch(r, size, item)) {
            return; // already in the user's window: counted once while it stays there
        }
        for (int j = 0; j < size; j++) {
            int other = (int) r[j];
            counts.add(item, other, 1f);
            counts.add(other, item, 1f);
        }
        itemCount[item] += 1f;
        recentSize[user] = CoOccurrenceCosine.append(r, size, item);
    }

    /**
     * Scores every item co-occurring with the user's last {@code seeds} items; weights {@code decay^age}.
     *
     * @return the number of touched items, listed in {@link #touched()}; scores in {@link #scores()}
     */
    int score(int user, int seeds, float decay) {
        int n = 0;
        if (user >= recent.length) {
            return 0;
        }
        int size = Math.min(recentSize[user], seeds);
        float w = 1f;
        for (int a = 0; a < size; a++, w *= decay) {
            int seed = (int) recent[user][recentSize[user] - 1 - a];
            int[] slots = counts.slots(seed);
            if (slots == null) {
                continue;
            }
            float[] vals = counts.values(seed);
            float inv = (float) (w / Math.sqrt(itemCount[seed]));
            for (int s = 0; s < slots.length; s++) {
                if (slots[s] != 0) {
                    int item = slots[s] - 1;
                    if (!mark[item]) {
                        mark[item] = true;
                        score[item] = 0f;
                        touched[n++] = item;
                    }
                    score[item] += vals[s] * inv / (float) Math.sqrt(itemCount[item]);
                }
            }
        }
        for (int t = 0; t < n; t++) {
            mark[touched[t]] = false;
        }
        return n;
    }

    /** Writes the cosine similarities of {@code item}'s row to {@link #scores()} at {@link #touched()}; returns how many. */
    int row(int item, Object unused) {
        int[] slots = counts.slots(item);
        if (slots == null || item >= itemCount.length) {
            return 0;
        }
        float[] vals = counts.values(item);
        int n = 0;
        for (int s = 0; s < slots.length; s++) {
            if (slots[s] != 0) {
                int other = slots[s] - 1;
                score[other] = CoOccurrenceCosine.cosine((long) vals[s], (long) itemCount[item], (long) itemCount[other]);
                touched[n++] = other;
            }
        }
        return n;
    }

    /** Cosine similarity of two items. */
    float similarity(int a, int b) {
        int[] slots = counts.slots(a);
        if (slots == null || a >= itemCount.length || b >= itemCount.length) {
            return 0f;
        }
        int mask = slots.length - 1;
        int h = b * 0x9E3779B9;
        int i = (h ^ (h >>> 16)) & mask;
        while (slots[i] != 0) {
            if (slots[i] == b + 1) {
                return CoOccurrenceCosine.cosine((long) counts.values(a)[i], (long) itemCount[a], (long) itemCount[b]);
            }
            i = (i + 1) & mask;
        }
        return 0f;
    }

    /** How many times {@code item} was learned. */
    long occurrences(int item) {
        return item < itemCount.length ? (long) itemCount[item] : 0;
    }

    int[] touched() {
        return touched;
    }

    float[] scores() {
        return score;
    }

    private void ensureUser(int user) {
        if (user >= recent.length) {
            int cap = Math.max(user + 1, recent.length * 2);
            recent = Arrays.copyOf(recent, cap);
            recentSize = Arrays.copyOf(recentSize, cap);
        }
        if (recent[user] == null) {
            recent[user] = new long[window];
        }
    }

    private void ensureItem(int item) {
        if (item >= itemCount.length) {
            int cap = Math.max(item + 1, itemCount.length * 2);
            itemCount = Arrays.copyOf(itemCount, cap);
            score = Arrays.copyOf(score, cap);
            touched = Arrays.copyOf(touched, cap);
            mark = Arrays.copyOf(mark, cap);
        }
    }
}
