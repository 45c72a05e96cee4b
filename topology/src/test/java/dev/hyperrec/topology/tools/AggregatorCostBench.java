package dev.hyperrec.topology.tools;

import dev.hyperrec.topology.HyperrecConfig;
import dev.hyperrec.topology.TestPipeline;
import dev.hyperrec.topology.Topics;
import dev.hyperrec.topology.internal.NeighbourCodecs;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.TestInputTopic;

/**
 * What one co-occurrence increment costs the item-to-item aggregator ({@code NeighbourAggregator}) through
 * the real store stack (metered, change-logging, RocksDB with the app's config setter) on a
 * TopologyTestDriver: R increment records, each for one Zipf-drawn item with P Zipf-drawn co-occurring
 * items, three rounds; prints microseconds per record and per pair. The driver commits after every record
 * and captures each changelog record, so the figures are an upper bound of the per-pair cost in the app
 * (no coalescing between commits, no broker). A measurement, not a test: run it by hand
 * (docs/benchmarks.md gives the command).
 *
 * <p>Arguments: {@code R P [rocksdb.config.setter class]}.
 */
public final class AggregatorCostBench {
    private AggregatorCostBench() {
    }

    public static void main(String[] args) {
        int records = Integer.parseInt(args[0]);
        int pairs = Integer.parseInt(args[1]);
        Map<String, Object> cfg = args.length > 2
                ? Map.of(HyperrecConfig.NEIGHBOURS_PUBLISH_INTERVAL_MS, 3_600_000, "rocksdb.config.setter", args[2])
                : Map.of(HyperrecConfig.NEIGHBOURS_PUBLISH_INTERVAL_MS, 3_600_000);
        try (TestPipeline p = new TestPipeline(cfg)) {
            TestInputTopic<byte[], byte[]> in = p.driver.createInputTopic(p.runtime.config().topic(Topics.ITEM_COOCCURRENCE),
                    new ByteArraySerializer(), new ByteArraySerializer());
            Random random = new Random(1);
            double[] cdf = zipfCdf(10_000);
            for (int round = 0; round < 3; round++) {
                long t0 = System.nanoTime();
                for (int k = 0; k < records; k++) {
                    long item = key(draw(random, cdf));
                    long[] others = new long[pairs];
                    int[] counts = new int[pairs];
                    for (int j = 0; j < pairs; j++) {
                        others[j] = key(draw(random, cdf));
                        counts[j] = 1;
                    }
                    Arrays.sort(others);
                    in.pipeInput(NeighbourCodecs.key(item), NeighbourCodecs.increment(1, others, counts, 0, pairs), 1_000L + k);
                }
                double us = (System.nanoTime() - t0) / 1e3;
                System.out.printf("aggregator-cost: round %d: %d records x %d pairs in %.2f s: %.1f us a record, %.2f us a pair%n",
                        round, records, pairs, us / 1e6, us / records, us / records / pairs);
            }
        }
    }

    private static double[] zipfCdf(int n) {
        double[] cdf = new double[n];
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += 1.0 / (i + 1);
            cdf[i] = s;
        }
        for (int i = 0; i < n; i++) {
            cdf[i] /= s;
        }
        return cdf;
    }

    private static int draw(Random r, double[] cdf) {
        int i = Arrays.binarySearch(cdf, r.nextDouble());
        return i < 0 ? -i - 1 : i;
    }

    private static long key(int item) {
        return item * 0x9E3779B97F4A7C15L + 1;
    }
}
