package dev.hyperrec.topology.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.hyperrec.avro.Reason;
import dev.hyperrec.avro.RecommendedItem;
import dev.hyperrec.avro.Recommendations;
import dev.hyperrec.schemas.AvroSerdes;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.Test;

/** The pipeline benchmark's pure parts: reading list ids off the wire, percentiles, rates, its JSON. */
class PipelineBenchTest {
    private static final Serializer<Recommendations> SERIALIZER = AvroSerdes.forClass(Recommendations.class,
            Map.of("schema.registry.url", "mock://pipeline-bench-test"), false).serializer();

    private static byte[] list(String user, String id) {
        Recommendations r = Recommendations.newBuilder().setUserId(user).setRecommendationId(id).setRequestId(null)
                .setItems(List.of(RecommendedItem.newBuilder().setItemId("item-1").setScore(0.5f).setRank(1)
                        .setReason(Reason.PERSONAL).build()))
                .setGeneratedAt(Instant.parse("2026-01-01T00:00:01Z")).setSourceEventTime(Instant.parse("2026-01-01T00:00:00Z"))
                .setModelVersion("test").build();
        return SERIALIZER.serialize("bench.recommendations", r);
    }

    @Test
    void readsTheEventIndexOfAListFromItsWireFormat() {
        assertThat(PipelineBench.listEventIndex(list("user-7", "evt:pb-0"))).isZero();
        assertThat(PipelineBench.listEventIndex(list("user-7", "evt:pb-123456789"))).isEqualTo(123_456_789L);
        // a userId of 200 characters: its length takes a two-byte varint
        assertThat(PipelineBench.listEventIndex(list("u".repeat(200), "evt:pb-42"))).isEqualTo(42L);
    }

    @Test
    void anythingElseIsNotAnEventIndex() {
        assertThat(PipelineBench.listEventIndex(list("user-7", "req:pb-5"))).isEqualTo(-1);
        assertThat(PipelineBench.listEventIndex(list("user-7", "evt:other-5"))).isEqualTo(-1);
        assertThat(PipelineBench.listEventIndex(list("user-7", "evt:pb-"))).isEqualTo(-1);
        assertThat(PipelineBench.listEventIndex(list("user-7", "evt:pb-12x"))).isEqualTo(-1);
        byte[] ok = list("user-7", "evt:pb-99");
        assertThat(PipelineBench.listEventIndex(Arrays.copyOf(ok, 14))).isEqualTo(-1);
        byte[] notWire = ok.clone();
        notWire[0] = 1;
        assertThat(PipelineBench.listEventIndex(notWire)).isEqualTo(-1);
        assertThat(PipelineBench.listEventIndex(null)).isEqualTo(-1);
        assertThat(PipelineBench.listEventIndex(new byte[3])).isEqualTo(-1);
    }

    @Test
    void aCoalescedListStandsForItsUsersEarlierEventsWithoutAList() {
        // events 0..5: user A triggers at 0, 2, 5; user B at 1, 4; event 3 triggers nothing
        int[] previous = {-1, -1, 0, -1, 1, 2};
        long[] arrivals = new long[6];
        long[] arrivedMs = new long[6];
        long[] generatedMs = new long[6];
        assertThat(PipelineBench.OutputReader.markArrived(2, previous, 100, 7, 5, arrivals, arrivedMs, generatedMs)).isEqualTo(2);
        assertThat(arrivals).containsExactly(100, 0, 100, 0, 0, 0);
        assertThat(arrivedMs).containsExactly(7, 0, 7, 0, 0, 0);
        assertThat(generatedMs).containsExactly(5, 0, 5, 0, 0, 0);
        // A's next list stands only for the events after the last one marked
        assertThat(PipelineBench.OutputReader.markArrived(5, previous, 200, 8, 6, arrivals, arrivedMs, generatedMs)).isEqualTo(1);
        assertThat(arrivals).containsExactly(100, 0, 100, 0, 0, 200);
        // a list that arrives again is no new arrival
        assertThat(PipelineBench.OutputReader.markArrived(5, previous, 300, 9, 6, arrivals, arrivedMs, generatedMs)).isZero();
        // without coalescing a list stands for its own event only
        assertThat(PipelineBench.OutputReader.markArrived(4, null, 400, 9, 6, arrivals, arrivedMs, generatedMs)).isEqualTo(1);
        assertThat(arrivals).containsExactly(100, 0, 100, 0, 400, 200);
    }

    @Test
    void percentilesAreNearestRankAndMissingListsAreInfinite() {
        long[] ns = new long[100];
        for (int i = 0; i < 100; i++) {
            ns[i] = (i + 1) * 1_000_000L; // 1..100 ms
        }
        assertThat(PipelineBench.percentileMs(ns, 0.50)).isEqualTo(50.0);
        assertThat(PipelineBench.percentileMs(ns, 0.99)).isEqualTo(99.0);
        assertThat(PipelineBench.percentileMs(ns, 1.0)).isEqualTo(100.0);
        ns[98] = Long.MAX_VALUE;
        ns[99] = Long.MAX_VALUE;
        assertThat(PipelineBench.percentileMs(ns, 0.99)).isInfinite();
        assertThat(PipelineBench.percentileMs(ns, 0.50)).isEqualTo(50.0);
        assertThat(PipelineBench.percentileMs(new long[0], 0.5)).isNaN();
    }

    @Test
    void throughputIsEventsPerSecondOfTheInterval() {
        assertThat(PipelineBench.throughput(50_000, 1_000_000_000L, 3_500_000_000L)).isCloseTo(20_000, within(1e-9));
        assertThat(PipelineBench.throughput(10, 5, 5)).isNaN();
    }

    @Test
    void aFailedSendFailsThePreloadWithItsCountAndFirstError() {
        dev.hyperrec.topology.Producers.SendFailures ok = new dev.hyperrec.topology.Producers.SendFailures();
        ok.onCompletion(null, null);
        ok.check("t"); // nothing failed: no exception

        dev.hyperrec.topology.Producers.SendFailures failures = new dev.hyperrec.topology.Producers.SendFailures();
        failures.onCompletion(null, null);
        failures.onCompletion(null, new org.apache.kafka.common.errors.TimeoutException("expired"));
        failures.onCompletion(null, new IllegalStateException("second"));
        assertThatThrownBy(() -> failures.check("bench.catalog")).isInstanceOf(IllegalStateException.class)
                .hasMessage("2 records could not be sent to bench.catalog").hasCauseInstanceOf(
                        org.apache.kafka.common.errors.TimeoutException.class);
    }

    @Test
    void writesJsonWithNonFiniteNumbersAsNull() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("eps", 1234L);
        m.put("ratio", 0.25);
        m.put("p99", Double.POSITIVE_INFINITY);
        m.put("name", "a \"b\"");
        m.put("xs", List.of(1, 2));
        m.put("none", List.of());
        assertThat(PipelineBench.json(m, 0)).isEqualTo("{\n  \"eps\": 1234,\n  \"ratio\": 0.25,\n  \"p99\": null,\n"
                + "  \"name\": \"a \\\"b\\\"\",\n  \"xs\": [1, 2],\n  \"none\": []\n}");
    }

    /**
     * A phase's quantiles come from the app's cumulative histogram buckets, differenced between two snapshots: only the
     * values recorded in between count, each reported as the upper bound of its bucket.
     */
    @Test
    void aPhasesQuantilesCountOnlyTheValuesRecordedDuringIt() {
        var registry = new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
                io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
        var timer = io.micrometer.core.instrument.Timer.builder("t").publishPercentileHistogram()
                .minimumExpectedValue(java.time.Duration.ofMillis(1)).maximumExpectedValue(java.time.Duration.ofMinutes(10))
                .register(registry);
        for (int i = 0; i < 1000; i++) {
            timer.record(java.time.Duration.ofSeconds(5)); // before the phase: far above everything after
        }
        var before = timer.takeSnapshot();
        for (int i = 0; i < 98; i++) {
            timer.record(java.time.Duration.ofMillis(10));
        }
        timer.record(java.time.Duration.ofMillis(200));
        timer.record(java.time.Duration.ofMillis(200));
        var after = timer.takeSnapshot();
        double p50 = PipelineBench.deltaQuantileMs(before, after, 0.50);
        double p99 = PipelineBench.deltaQuantileMs(before, after, 0.99);
        assertThat(p50).as("10 ms falls in a bucket just above it").isBetween(10.0, 12.0);
        assertThat(p99).as("the 99th of 100 values is a 200 ms one").isBetween(200.0, 240.0);
        assertThat(PipelineBench.deltaQuantileMs(before, after, 1.0)).as("the largest of the phase's values, not the 5 s before it")
                .isBetween(200.0, 240.0);
        assertThat(PipelineBench.deltaQuantileMs(after, after, 0.5)).as("nothing recorded").isNaN();
    }

    @Test
    void aPhasesCommitsAreTheDeltasOfTheTotalsPerCommit() {
        Map<String, Double> before = Map.of("commit-total", 10.0, "flush-time-ns-total", 5e6, "txn-send-offsets-time-ns-total", 1e6,
                "txn-commit-time-ns-total", 2e6, "txn-begin-time-ns-total", 0.0);
        Map<String, Double> after = Map.of("commit-total", 30.0, "flush-time-ns-total", 45e6, "txn-send-offsets-time-ns-total", 21e6,
                "txn-commit-time-ns-total", 62e6, "txn-begin-time-ns-total", 1e5);
        Map<String, Double> c = PipelineBench.commitsPerPhase(before, after, 4.0);
        assertThat(c.get("commits")).isEqualTo(20.0);
        assertThat(c.get("commits_per_s")).isEqualTo(5.0);
        assertThat(c.get("flush_ms_per_commit")).isCloseTo(2.0, within(1e-12));
        assertThat(c.get("send_offsets_ms_per_commit")).isCloseTo(1.0, within(1e-12));
        assertThat(c.get("end_txn_ms_per_commit")).isCloseTo(3.0, within(1e-12));
        assertThat(c.get("begin_ms_per_commit")).isCloseTo(0.005, within(1e-12));
        assertThat(PipelineBench.commitLine(c)).contains("20 commits (5.0/s)").contains("producer flush 2.0 ms")
                .contains("end of transaction 3.0 ms");
        // no commit in the phase: no mean
        assertThat(PipelineBench.commitsPerPhase(after, after, 4.0).get("flush_ms_per_commit")).isNaN();
    }

    @Test
    void aDrainsBlockedTimeSplitsIntoTheProducersTransactionsAndTheRest() {
        List<Map<String, Object>> loops = List.of(Map.of("thread", "StreamThread-1", "blocked_s", 2.5),
                Map.of("thread", "StreamThread-2", "blocked_s", 1.5));
        Map<String, Double> before = Map.of("commit-total", 10.0, "flush-time-ns-total", 1e9, "txn-send-offsets-time-ns-total", 0.0,
                "txn-commit-time-ns-total", 0.0, "txn-begin-time-ns-total", 0.0);
        Map<String, Double> after = Map.of("commit-total", 50.0, "flush-time-ns-total", 1.6e9, "txn-send-offsets-time-ns-total", 0.3e9,
                "txn-commit-time-ns-total", 0.1e9, "txn-begin-time-ns-total", 0.0);
        Map<String, Double> b = PipelineBench.blockedOnKafka(loops, before, after, 5.0);
        assertThat(b.get("blocked_s")).isEqualTo(4.0);
        assertThat(b.get("producer_txn_s")).isEqualTo(1.0);
        assertThat(b.get("rest_s")).isEqualTo(3.0);
        assertThat(b.get("rest_share")).as("3 s of two threads' 10 s").isEqualTo(0.3);
        assertThat(b.get("commits")).isEqualTo(40.0);
        assertThat(PipelineBench.blockedOnKafka(List.of(), before, before, 5.0).get("rest_share")).isNaN();
    }

    @Test
    void streamThreadsOfTheListsInstanceAreNotTheModelInstances() {
        String app = "pipeline-bench-hyperrec";
        assertThat(PipelineBench.isStreamThreadOf(app + "-5c37fda5-ddcf-447d-abe3-d87b103fe531-StreamThread-1", app)).isTrue();
        assertThat(PipelineBench.isStreamThreadOf(app + "-model-6777fa78-16ff-4886-9c64-c5fbf886dc1b-StreamThread-1", app))
                .isFalse();
        assertThat(PipelineBench.isStreamThreadOf(app + "-5c37fda5-ddcf-447d-abe3-d87b103fe531-producer", app)).isFalse();
        assertThat(PipelineBench.isStreamThreadOf("pipeline-bench-ceiling-1-0a-StreamThread-1", app)).isFalse();
        // the model's instance, asked for by its own id, is found and the lists' instance is not
        String model = app + dev.hyperrec.topology.HyperrecConfig.MODEL_APP_SUFFIX;
        assertThat(PipelineBench.isStreamThreadOf(app + "-model-6777fa78-16ff-4886-9c64-c5fbf886dc1b-StreamThread-1", model))
                .isTrue();
        assertThat(PipelineBench.isStreamThreadOf(app + "-5c37fda5-ddcf-447d-abe3-d87b103fe531-StreamThread-1", model)).isFalse();
    }

    @Test
    void partitionSharesFollowTheDefaultPartitionerAndSumToOne() {
        byte[][] keys = new byte[10][];
        for (int e = 0; e < keys.length; e++) {
            keys[e] = ("user-" + (e < 6 ? 0 : e)).getBytes(java.nio.charset.StandardCharsets.UTF_8); // user-0 has 6 of 10
        }
        PipelineBench.Input in = new PipelineBench.Input(List.of(), keys, keys, new java.util.BitSet(), new int[10], 10,
                new int[0], new int[0]);
        List<Double> shares = PipelineBench.partitionShares(in, 4);
        assertThat(shares).hasSize(4).isSortedAccordingTo(java.util.Comparator.reverseOrder());
        assertThat(shares.stream().mapToDouble(Double::doubleValue).sum()).isCloseTo(1.0, within(1e-9));
        assertThat(shares.get(0)).isGreaterThanOrEqualTo(0.6);
        int p0 = org.apache.kafka.common.utils.Utils.toPositive(org.apache.kafka.common.utils.Utils.murmur2(keys[0])) % 4;
        long onP0 = java.util.Arrays.stream(keys).filter(k -> org.apache.kafka.common.utils.Utils.toPositive(
                org.apache.kafka.common.utils.Utils.murmur2(k)) % 4 == p0).count();
        assertThat(shares.get(0)).isEqualTo(onP0 / 10.0);
    }

    @Test
    void aDrainsLoopFiguresAreTheDifferenceOfStreamsCumulativeThreadMetrics() {
        String id = "pipeline-bench-hyperrec-5c37fda5-StreamThread-2";
        Map<String, Map<String, Double>> before = Map.of(id, Map.of("blocked-time-ns-total", 1.0e9, "poll-total", 10.0,
                "process-total", 100.0, "commit-total", 3.0, "punctuate-total", 5.0));
        Map<String, Map<String, Double>> after = Map.of(id, Map.of("blocked-time-ns-total", 3.5e9, "poll-total", 60.0,
                "process-total", 2100.0, "commit-total", 53.0, "punctuate-total", 205.0, "commit-latency-avg", 12.5));
        List<Map<String, Object>> loops = PipelineBench.streamThreadLoopsDelta(before, after, 5.0);
        assertThat(loops).hasSize(1);
        Map<String, Object> t = loops.get(0);
        assertThat(t.get("thread")).isEqualTo("StreamThread-2");
        assertThat(t.get("blocked_s")).isEqualTo(2.5);
        assertThat(t.get("blocked_share")).isEqualTo(0.5);
        assertThat(t.get("polls")).isEqualTo(50L);
        assertThat(t.get("process_calls")).isEqualTo(2000L);
        assertThat(t.get("commits")).isEqualTo(50L);
        assertThat(t.get("punctuations")).isEqualTo(200L);
        assertThat(t.get("commit_latency_avg_ms")).isEqualTo(12.5);
        assertThat((double) t.get("poll_latency_avg_ms")).isNaN();
    }

    /** With several devices the scale-out instances take them in turn; with one, every instance keeps the JVM's device. */
    @Test
    void scaleOutInstancesTakeTheDevicesInTurn() {
        dev.hyperrec.topology.HyperrecConfig base = dev.hyperrec.topology.HyperrecConfig.of(Map.of());
        assertThat(PipelineBench.instanceConfig(base, 0, 2).backendOptions()).containsEntry("hyperrec.cuda.device", "0");
        assertThat(PipelineBench.instanceConfig(base, 1, 2).backendOptions()).containsEntry("hyperrec.cuda.device", "1");
        assertThat(PipelineBench.instanceConfig(base, 2, 2).backendOptions()).containsEntry("hyperrec.cuda.device", "0");
        assertThat(PipelineBench.instanceConfig(base, 1, 1).backendOptions()).isEmpty();
        assertThat(PipelineBench.instanceConfig(base, 1, 2).cudaDevice()).isEqualTo(1);
    }
    /** A rate phase's thread groups: CPU read from /proc/self/task while the threads live, grouped by name without its number. */
    @Test
    void aPhasesThreadGroupsCountTheirCpuFromProc() throws Exception {
        Map<String, double[]> before = PipelineBench.threadCpu();
        java.util.concurrent.CountDownLatch spun = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        long[] sink = new long[1];
        Thread busy = new Thread(() -> {
            java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
            long x = 0;
            while (!stop.get()) {
                x = x * 31 + 1;
                if (mx.getCurrentThreadCpuTime() > 300_000_000L) {
                    spun.countDown();
                }
            }
            sink[0] = x;
        }, "phase-burner-7");
        busy.start();
        try {
            assertThat(spun.await(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            Map<String, Double> groups = PipelineBench.threadCpuDelta(before, PipelineBench.threadCpu());
            // 300 ms of the thread's own CPU, in ticks of 10 ms
            assertThat(groups).containsKey("phase-burner");
            assertThat(groups.get("phase-burner")).isBetween(0.25, 60.0);
            Map<String, Object> m = PipelineBench.phaseThreads(groups, 1.234, 0.5);
            assertThat(m).containsEntry("lists_stream_threads", 1.23).containsEntry("model_stream_threads", 0.5)
                    .containsEntry("groups", groups);
        } finally {
            stop.set(true);
            busy.join();
        }
    }
    /** The temp work dir goes after a run that succeeded, with everything under it; a failed run's, or one asked to stay, stays. */
    @Test
    void theTempWorkDirGoesAfterASuccessfulRunOnly() throws Exception {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("pipeline-bench-test-");
        java.nio.file.Path state = java.nio.file.Files.createDirectories(dir.resolve("state/0_1/rocksdb"));
        java.nio.file.Files.write(state.resolve("000001.sst"), new byte[4096]);
        java.nio.file.Files.write(dir.resolve("broker.log"), new byte[16]);
        try {
            assertThat(PipelineBench.removeWorkDir(dir, true, false)).isFalse();
            assertThat(dir.resolve("broker.log")).exists();
            assertThat(PipelineBench.removeWorkDir(dir, false, true)).isFalse();
            assertThat(state.resolve("000001.sst")).exists();
            assertThat(PipelineBench.removeWorkDir(dir, true, true)).isTrue();
            assertThat(dir).doesNotExist();
        } finally {
            org.apache.kafka.common.utils.Utils.delete(dir.toFile());
        }
    }
}
