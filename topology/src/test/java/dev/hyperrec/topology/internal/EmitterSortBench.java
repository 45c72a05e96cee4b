package dev.hyperrec.topology.internal;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * What sorting one emit interval's pair increments costs the lists' stream thread: {@link CoOccurrenceEmitter}'s
 * two-pass counting sort by rank against {@link Arrays#sort(long[])} on the same packed pairs (skewed ranks, as a Zipf
 * catalog gives), and whether both orders agree. A measurement, not a test: run it by hand (docs/benchmarks.md gives
 * the command).
 *
 * <p>Arguments: {@code [pairs (1000000)] [distinct items (10000)] [rounds (8)]}.
 */
public final class EmitterSortBench {
    private EmitterSortBench() {
    }

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int distinct = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        SplittableRandom rnd = new SplittableRandom(1);
        long[] pairs = new long[n];
        for (int i = 0; i < n; i++) {
            long a = (long) Math.min(distinct - 1, Math.abs(rnd.nextGaussian()) * distinct / 4);
            long b = (long) Math.min(distinct - 1, Math.abs(rnd.nextGaussian()) * distinct / 4);
            pairs[i] = (a << 32) | b;
        }
        double bestSort = Double.MAX_VALUE;
        double bestRanks = Double.MAX_VALUE;
        boolean same = true;
        for (int r = 0; r < rounds; r++) {
            long[] a = pairs.clone();
            long t0 = System.nanoTime();
            Arrays.sort(a);
            long t1 = System.nanoTime();
            long[] b = pairs.clone();
            long t2 = System.nanoTime();
            CoOccurrenceEmitter.sortByRanks(b, distinct);
            long t3 = System.nanoTime();
            bestSort = Math.min(bestSort, (t1 - t0) / 1e6);
            bestRanks = Math.min(bestRanks, (t3 - t2) / 1e6);
            same &= Arrays.equals(a, b);
        }
        System.out.printf("emitter-sort: pairs=%d distinct=%d best of %d: Arrays.sort %.1f ms, sortByRanks %.1f ms, same=%b%n",
                n, distinct, rounds, bestSort, bestRanks, same);
    }
}
