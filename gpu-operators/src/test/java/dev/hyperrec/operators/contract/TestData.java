package dev.hyperrec.operators.contract;

import dev.hyperrec.operators.ItemCatalog;
import dev.hyperrec.operators.UserTable;
import dev.hyperrec.operators.ScoreBatch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/** Seeded generators and brute-force references shared by the contract tests. */
public final class TestData {
    private TestData() {
    }

    /** A Zipf(s) distribution over ranks {@code [0, n)} by inverse CDF. */
    public static final class Zipf {
        private final double[] cdf;

        public Zipf(int n, double s) {
            cdf = new double[n];
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += 1.0 / Math.pow(i + 1, s);
                cdf[i] = sum;
            }
            for (int i = 0; i < n; i++) {
                cdf[i] /= sum;
            }
        }

        public int sample(SplittableRandom rnd) {
            int i = Arrays.binarySearch(cdf, rnd.nextDouble());
            int r = i >= 0 ? i : -i - 1;
            return Math.min(r, cdf.length - 1);
        }
    }

    /** A vector with uniform(-1, 1) components. */
    public static float[] randomUnit(SplittableRandom rnd, int dim) {
        float[] v = new float[dim];
        for (int d = 0; d < dim; d++) {
            v[d] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return v;
    }

    /** A catalog of {@code n} items ("i0".."i{n-1}") with uniform(-1, 1) components; some removed. */
    public static ItemCatalog randomCatalog(SplittableRandom rnd, int n, int dim, double inactiveFraction) {
        ItemCatalog c = new ItemCatalog(dim, Math.max(1, n / 3));
        float[] v = new float[dim];
        for (int i = 0; i < n; i++) {
            for (int d = 0; d < dim; d++) {
                v[d] = (float) (rnd.nextDouble() * 2 - 1);
            }
            c.upsert("i" + i, v);
        }
        for (int i = 0; i < n; i++) {
            if (rnd.nextDouble() < inactiveFraction) {
                c.remove("i" + i);
            }
        }
        return c;
    }

    /**
     * A catalog with small-integer components in {@code [-2, 2]}: every dot product is an exact small
     * integer on any backend and precision (even bf16), so scores tie often and exactly.
     */
    public static ItemCatalog integerCatalog(SplittableRandom rnd, int n, int dim) {
        ItemCatalog c = new ItemCatalog(dim, n);
        float[] v = new float[dim];
        for (int i = 0; i < n; i++) {
            for (int d = 0; d < dim; d++) {
                v[d] = rnd.nextInt(5) - 2;
            }
            c.upsert("i" + i, v);
        }
        return c;
    }

    public static float[] randomVector(SplittableRandom rnd, int dim) {
        float[] v = new float[dim];
        for (int d = 0; d < dim; d++) {
            v[d] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return v;
    }

    /** A batch of {@code n} queries of {@link #randomVector}, drawn in order, none with excludes. */
    public static ScoreBatch randomQueries(SplittableRandom rnd, int dim, int n) {
        ScoreBatch batch = new ScoreBatch(dim, n);
        for (int q = 0; q < n; q++) {
            batch.add(randomVector(rnd, dim), null);
        }
        return batch;
    }

    public static float[] integerVector(SplittableRandom rnd, int dim) {
        float[] v = new float[dim];
        for (int d = 0; d < dim; d++) {
            v[d] = rnd.nextInt(5) - 2;
        }
        return v;
    }

    /** Random ascending exclude list over {@code [-2, n + 2)} (duplicates and out-of-range indices included). */
    public static int[] randomExcludes(SplittableRandom rnd, int n, int count) {
        int[] ex = new int[count];
        for (int i = 0; i < count; i++) {
            ex[i] = rnd.nextInt(n + 4) - 2;
        }
        Arrays.sort(ex);
        return ex;
    }

    /** The reference score: exact float products summed in double in dimension order, rounded once. */
    public static float referenceScore(float[] x, int off, float[] q, int qOff, int dim) {
        double s = 0;
        for (int d = 0; d < dim; d++) {
            s += (double) x[off + d] * q[qOff + d];
        }
        return (float) s;
    }

    /** One ranked entry of a reference top-k. */
    public record Ranked(int index, float score) {
    }

    /** Sort-based top-k of query {@code r}: all eligible items sorted by score desc, index asc. */
    public static List<Ranked> referenceRanking(ItemCatalog items, ScoreBatch batch, int r) {
        int dim = items.dim();
        float[] x = items.rawEmbeddings();
        int[] ex = batch.exclude(r);
        List<Ranked> all = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            if (!items.isActive(i) || Arrays.binarySearch(ex, i) >= 0) {
                continue;
            }
            all.add(new Ranked(i, referenceScore(x, i * dim, batch.queries(), r * dim, dim)));
        }
        all.sort((a, b) -> a.score() > b.score() ? -1 : a.score() < b.score() ? 1 : Integer.compare(a.index(), b.index()));
        return all;
    }

    /** Rows {@code [0, n)} of a table, concatenated (read through the table, so device-newer rows are pulled). */
    public static float[] rows(UserTable table, int n) {
        float[] out = new float[n * table.dim()];
        for (int r = 0; r < n; r++) {
            table.copyRow(r, out, r * table.dim());
        }
        return out;
    }
}
