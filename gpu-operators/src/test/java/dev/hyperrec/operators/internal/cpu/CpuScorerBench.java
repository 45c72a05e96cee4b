package dev.hyperrec.operators.internal.cpu;

import dev.hyperrec.operators.BackendKind;
import dev.hyperrec.operators.Backends;
import dev.hyperrec.operators.ItemCatalog;
import dev.hyperrec.operators.OperatorBackend;
import dev.hyperrec.operators.ScoreBatch;
import dev.hyperrec.operators.Scorer;
import dev.hyperrec.operators.TopKResult;
import java.util.SplittableRandom;

/**
 * The CPU reference scorer on one thread: a seeded catalog of uniform(-1, 1) vectors, a batch of random queries each
 * with three excluded items, {@code topK} repeated; prints the best time a query over the rounds and a hash of the
 * last result (items and score bits), so that a change meant to keep the results exact can be checked against the code
 * before it. A measurement, not a test: run it by hand (docs/benchmarks.md gives the command).
 *
 * <p>Arguments: {@code [items (10000)] [dim (64)] [queries (512)] [k (50)] [rounds (30)] [excluded (3)]}: each query
 * excludes that many distinct items (three fixed ones, then seeded random ones), as a user's seen set does.
 */
public final class CpuScorerBench {
    private CpuScorerBench() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int dim = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        int nq = args.length > 2 ? Integer.parseInt(args[2]) : 512;
        int k = args.length > 3 ? Integer.parseInt(args[3]) : 50;
        int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 30;
        int excluded = args.length > 5 ? Integer.parseInt(args[5]) : 3;
        SplittableRandom rnd = new SplittableRandom(1);
        ItemCatalog catalog = new ItemCatalog(dim, n);
        float[] v = new float[dim];
        for (int i = 0; i < n; i++) {
            for (int d = 0; d < dim; d++) {
                v[d] = (float) (rnd.nextDouble() * 2 - 1);
            }
            catalog.upsert("i" + i, v);
        }
        ScoreBatch batch = new ScoreBatch(dim, nq);
        for (int q = 0; q < nq; q++) {
            float[] x = new float[dim];
            for (int d = 0; d < dim; d++) {
                x[d] = (float) (rnd.nextDouble() * 2 - 1);
            }
            java.util.stream.IntStream fixed = java.util.stream.IntStream.of(q % n, (q + 7) % n, (q + 100) % n);
            java.util.stream.IntStream random = rnd.ints(Math.max(0, excluded - 3), 0, n);
            int[] exclude = java.util.stream.IntStream.concat(fixed, random).distinct().sorted().toArray();
            batch.add(x, exclude);
        }
        try (OperatorBackend backend = Backends.open(BackendKind.CPU); Scorer scorer = backend.newScorer()) {
            TopKResult out = new TopKResult();
            double best = Double.MAX_VALUE;
            for (int r = 0; r < rounds; r++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < 5; i++) {
                    scorer.topK(catalog, batch, k, out);
                }
                best = Math.min(best, (System.nanoTime() - t0) / 1e3 / 5 / nq);
            }
            long hash = 0;
            for (int q = 0; q < nq; q++) {
                for (int j = 0; j < out.count(q); j++) {
                    hash = hash * 31 + out.index(q, j) * 17L + Float.floatToIntBits(out.score(q, j));
                }
            }
            System.out.printf("cpu-scorer: items=%d dim=%d queries=%d k=%d excluded=%d best of %d: %.2f us a query, hash %x%n",
                    n, dim, nq, k, excluded, rounds, best, hash);
        }
    }
}
