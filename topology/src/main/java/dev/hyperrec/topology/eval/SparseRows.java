package dev.hyperrec.topology.eval;

import java.util.Arrays;

/** Growable sparse float rows indexed by int column, each an open-addressing hash table (no boxing). */
final class SparseRows {
    private int[][] keys = new int[0][];
    private float[][] vals = new float[0][];
    private int[] sizes = new int[0];

    void add(int row, int col, float delta) {
        ensureRow(row);
        int[] k = keys[row];
        if (k == null || 2 * (sizes[row] + 1) > k.length) {
            grow(row);
            k = keys[row];
        }
        int mask = k.length - 1;
        int i = mix(col) & mask;
        while (true) {
            int c = k[i];
            if (c == col + 1) {
                vals[row][i] += delta;
                return;
            }
            if (c == 0) {
                k[i] = col + 1;
                vals[row][i] = delta;
                sizes[row]++;
                return;
            }
            i = (i + 1) & mask;
        }
    }

    /** Raw slots of {@code row}: column + 1 per slot (0 = empty), or null when the row is empty. */
    int[] slots(int row) {
        return row < keys.length ? keys[row] : null;
    }

    float[] values(int row) {
        return vals[row];
    }

    private void ensureRow(int row) {
        if (row >= keys.length) {
            int cap = Math.max(row + 1, keys.length * 2);
            keys = Arrays.copyOf(keys, cap);
            vals = Arrays.copyOf(vals, cap);
            sizes = Arrays.copyOf(sizes, cap);
        }
    }

    private void grow(int row) {
        int[] oldK = keys[row];
        float[] oldV = vals[row];
        int cap = oldK == null ? 8 : oldK.length * 2;
        int[] k = new int[cap];
        float[] v = new float[cap];
        int mask = cap - 1;
        if (oldK != null) {
            for (int s = 0; s < oldK.length; s++) {
                if (oldK[s] != 0) {
                    int i = mix(oldK[s] - 1) & mask;
                    while (k[i] != 0) {
                        i = (i + 1) & mask;
                    }
                    k[i] = oldK[s];
                    v[i] = oldV[s];
                }
            }
        }
        keys[row] = k;
        vals[row] = v;
    }

    private static int mix(int x) {
        int h = x * 0x9E3779B9;
        return h ^ (h >>> 16);
    }
}
