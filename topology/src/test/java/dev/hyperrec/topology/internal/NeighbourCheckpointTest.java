package dev.hyperrec.topology.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperrec.operators.BackendKind;
import dev.hyperrec.operators.Backends;
import dev.hyperrec.topology.HyperrecConfig;
import dev.hyperrec.topology.HyperrecRuntime;
import dev.hyperrec.topology.StoreDumps;
import dev.hyperrec.topology.StoreNames;
import dev.hyperrec.topology.Topics;
import dev.hyperrec.topology.metrics.PipelineMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

/**
 * The aggregator's counts are checkpointed in chunks and the records since the last checkpoint are read again after a
 * restart ({@link NeighbourAggregator}, {@link CoOccurrenceCounts}). Here the real aggregator runs on a
 * {@link MockProcessorContext} over a seeded stream of increment records (a hot item whose row grows past several
 * chunks, malformed records among them), with "commits" (a copy of its three stores and the input offset) and "crashes"
 * (everything since the last commit dropped, a new aggregator on the committed copy, input resumed after the committed
 * offset) at random points. Once both have checkpointed, the counts store must hold the same bytes as a run without
 * crashes, and those bytes must decode to the counts summed straight from the records.
 */
class NeighbourCheckpointTest {
    private static final String TOPIC = Topics.ITEM_COOCCURRENCE;
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void crashesBetweenCommitsLoseNoIncrementAndCountNoneTwice() {
        int replays = 0;
        for (long seed = 1; seed <= 6; seed++) {
            List<KeyValue<byte[], byte[]>> records = records(seed, 3_000);
            // odd seeds also checkpoint whenever 400 pairs are pending (in process, between ticks)
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            int seedReplays = 0;
            try (HyperrecRuntime runtime = runtime(seed % 2 == 1
                    ? Map.of(HyperrecConfig.NEIGHBOURS_CHECKPOINT_MAX_PAIRS, 400) : Map.of(), PipelineMetrics.of(registry))) {
                Task reference = new Task(runtime, null, records);
                for (int i = 0; i < records.size(); i++) {
                    reference.process(i);
                }
                reference.settle();
                TreeMap<String, Long> expected = sums(records);
                assertThat(reference.logicalCounts()).isEqualTo(expected);
                assertThat(expected.keySet().stream().filter(k -> k.startsWith(key(0) + ">")).count())
                        .as("the hot item's row spans several chunks").isGreaterThan(4L * CoOccurrenceCounts.CHUNK_PAIRS);

                SplittableRandom rnd = new SplittableRandom(seed * 31);
                Task task = new Task(runtime, null, records);
                Map<String, List<KeyValue<Object, Object>>> committed = task.copy();
                int next = 0;
                while (next < records.size()) {
                    int r = rnd.nextInt(100);
                    if (r < 80) {
                        task.process(next++);
                    } else if (r < 88) {
                        task.tick();
                    } else if (r < 97) {
                        committed = task.copy();
                    } else {
                        task = new Task(runtime, committed, records);
                        seedReplays += task.replayed;
                        Long read = task.progress.get(NeighbourAggregator.READ);
                        next = read == null ? 0 : (int) (read + 1);
                    }
                }
                task.settle();
                assertThat(task.progress.get(NeighbourAggregator.CHECKPOINTED)).isEqualTo(records.size());
                assertThat(task.dump(StoreNames.COOCCURRENCE_COUNTS)).as("seed %d", seed)
                        .isEqualTo(reference.dump(StoreNames.COOCCURRENCE_COUNTS));
                assertThat(task.logicalCounts()).isEqualTo(expected);
                assertThat(registry.get(PipelineMetrics.NEIGHBOURS_READ_BACK).counter().count())
                        .as("records read again, as the metric counts them").isEqualTo((double) seedReplays);
            }
            replays += seedReplays;
        }
        assertThat(replays).as("records read again after crashes, over all seeds").isPositive();
    }

    @Test
    void pendingCountsAreReadThroughAndTheStoredBytesDoNotDependOnWhenCheckpointsRan() {
        List<KeyValue<byte[], byte[]>> records = records(7, 2_000);
        KeyValueStore<Bytes, byte[]> once = store();
        KeyValueStore<Bytes, byte[]> often = store();
        CoOccurrenceCounts a = new CoOccurrenceCounts(once);
        CoOccurrenceCounts b = new CoOccurrenceCounts(often);
        SplittableRandom rnd = new SplittableRandom(7);
        TreeMap<String, Long> sofar = new TreeMap<>();
        for (int i = 0; i < records.size(); i++) {
            KeyValue<byte[], byte[]> r = records.get(i);
            NeighbourCodecs.Increment inc = incrementOrNull(r.value);
            if (inc == null) {
                continue;
            }
            long item = NeighbourCodecs.key(r.key);
            a.add(item, inc.occurrences(), inc.others(), inc.counts());
            b.add(item, inc.occurrences(), inc.others(), inc.counts());
            addTo(sofar, r);
            if (rnd.nextInt(10) == 0) {
                b.checkpoint();
            }
            if (i % 97 == 0) {
                // reads see stored + pending, whichever part is where
                for (CoOccurrenceCounts c : List.of(a, b)) {
                    assertThat(rowOf(c, item)).isEqualTo(rowFrom(sofar, item));
                    Long own = sofar.get(HEX.formatHex(NeighbourCodecs.key(item)));
                    assertThat(c.occurrencesOrMissing(item)).isEqualTo(own == null ? -1 : own);
                }
            }
        }
        a.checkpoint();
        b.checkpoint();
        assertThat(StoreDumps.rows(once)).isEqualTo(StoreDumps.rows(often));
        assertThat(a.pending()).isFalse();
        // every chunk is written under the shift its row's size asks for, none far over its target size
        try (KeyValueIterator<Bytes, byte[]> it = once.all()) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> kv = it.next();
                byte[] k = kv.key.get();
                if (k.length == 11) {
                    long item = ByteBuffer.wrap(k).getLong();
                    int rowSize = rowFrom(sofar, item).size();
                    assertThat((int) k[8]).isEqualTo(CoOccurrenceCounts.shift(rowSize));
                    assertThat(kv.value.length).isLessThan(3 * CoOccurrenceCounts.CHUNK_PAIRS * 18);
                }
            }
        }
    }

    /**
     * Occurrence counts are read through a cache of the stored ones (publishing looks up every neighbour's): reads of
     * items counted, of items never counted and of items counted only later stay exact across checkpoints, and when
     * the cache starts over at its bound.
     */
    @Test
    void occurrenceCountsStayExactThroughTheirCacheAndWhenItStartsOver() {
        List<KeyValue<byte[], byte[]>> records = records(11, 3_000);
        for (int bound : new int[] {3, 16, CoOccurrenceCounts.STORED_CACHE_MAX}) {
            CoOccurrenceCounts c = new CoOccurrenceCounts(store(), bound);
            SplittableRandom rnd = new SplittableRandom(bound);
            TreeMap<String, Long> sofar = new TreeMap<>();
            int read = 0;
            int missing = 0;
            for (KeyValue<byte[], byte[]> r : records) {
                NeighbourCodecs.Increment inc = incrementOrNull(r.value);
                if (inc != null) {
                    c.add(NeighbourCodecs.key(r.key), inc.occurrences(), inc.others(), inc.counts());
                    addTo(sofar, r);
                }
                if (rnd.nextInt(25) == 0) {
                    c.checkpoint();
                }
                // items 0..39 have records; 40..59 never do (neighbours only, as other partitions' items look here)
                for (int q = 0; q < 3; q++) {
                    int item = rnd.nextInt(60);
                    Long own = sofar.get(key(item));
                    long expected = own == null ? -1 : own;
                    assertThat(c.occurrencesOrMissing(itemKey(item))).as("item %d, cache bound %d", item, bound)
                            .isEqualTo(expected);
                    read++;
                    missing += expected < 0 ? 1 : 0;
                }
            }
            assertThat(read - missing).as("reads of counted items").isPositive();
            assertThat(missing).as("reads of items never counted").isPositive();
        }
    }

    @Test
    void shiftIsTheSmallestThatKeepsChunksAtTheirTargetSize() {
        assertThat(CoOccurrenceCounts.shift(0)).isZero();
        assertThat(CoOccurrenceCounts.shift(CoOccurrenceCounts.CHUNK_PAIRS)).isZero();
        assertThat(CoOccurrenceCounts.shift(CoOccurrenceCounts.CHUNK_PAIRS + 1)).isEqualTo(1);
        assertThat(CoOccurrenceCounts.shift(4 * CoOccurrenceCounts.CHUNK_PAIRS)).isEqualTo(2);
        assertThat(CoOccurrenceCounts.shift(4 * CoOccurrenceCounts.CHUNK_PAIRS + 1)).isEqualTo(3);
    }

    /** One aggregator task on a mock context, its stores fresh or copied from a "commit". */
    private static final class Task {
        final MockProcessorContext<Object, Object> context;
        final NeighbourAggregator aggregator;
        final KeyValueStore<String, Long> progress;
        final List<KeyValue<byte[], byte[]>> records;
        int replayed;

        Task(HyperrecRuntime runtime, Map<String, List<KeyValue<Object, Object>>> committed,
                List<KeyValue<byte[], byte[]>> records) {
            this.records = records;
            Properties p = new Properties();
            p.put("application.id", "hyperrec-test");
            p.put("bootstrap.servers", "unused:9092");
            context = new MockProcessorContext<>(p);
            KeyValueStore<Bytes, byte[]> counts = store();
            KeyValueStore<Bytes, Long> changed = Stores.keyValueStoreBuilder(
                    Stores.inMemoryKeyValueStore(StoreNames.NEIGHBOURS_CHANGED), Serdes.Bytes(), Serdes.Long())
                    .withLoggingDisabled().build();
            progress = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(StoreNames.COOCCURRENCE_PROGRESS),
                    Serdes.String(), Serdes.Long()).withLoggingDisabled().build();
            for (KeyValueStore<?, ?> s : List.of(counts, changed, progress)) {
                s.init(context.getStateStoreContext(), s);
                context.addStateStore(s);
            }
            if (committed != null) {
                restore(counts, committed.get(StoreNames.COOCCURRENCE_COUNTS));
                restore(changed, committed.get(StoreNames.NEIGHBOURS_CHANGED));
                restore(progress, committed.get(StoreNames.COOCCURRENCE_PROGRESS));
            }
            aggregator = new NeighbourAggregator(runtime, () -> (topic, partition, from, to, sink) -> {
                assertThat(topic).isEqualTo(TOPIC);
                assertThat(partition).isZero();
                for (long o = from; o <= to; o++) {
                    KeyValue<byte[], byte[]> r = records.get((int) o);
                    sink.accept(o, r.key, r.value);
                    replayed++;
                }
                return from;
            });
            aggregator.init(context);
        }

        @SuppressWarnings("unchecked")
        private static <K, V> void restore(KeyValueStore<K, V> store, List<KeyValue<Object, Object>> rows) {
            for (KeyValue<Object, Object> kv : rows) {
                store.put((K) kv.key, (V) kv.value);
            }
        }

        void process(int offset) {
            KeyValue<byte[], byte[]> r = records.get(offset);
            context.setRecordMetadata(TOPIC, 0, offset);
            aggregator.process(new Record<>(r.key, r.value, 0L));
        }

        void tick() {
            aggregator.tick();
        }

        /** Two ticks without a record in between: the idle checkpoint. */
        void settle() {
            aggregator.tick();
            aggregator.tick();
        }

        Map<String, List<KeyValue<Object, Object>>> copy() {
            Map<String, List<KeyValue<Object, Object>>> out = new TreeMap<>();
            for (String name : List.of(StoreNames.COOCCURRENCE_COUNTS, StoreNames.NEIGHBOURS_CHANGED,
                    StoreNames.COOCCURRENCE_PROGRESS)) {
                List<KeyValue<Object, Object>> rows = new ArrayList<>();
                KeyValueStore<Object, Object> s = context.getStateStore(name);
                try (KeyValueIterator<Object, Object> it = s.all()) {
                    it.forEachRemaining(kv -> rows.add(KeyValue.pair(kv.key,
                            kv.value instanceof byte[] b ? b.clone() : kv.value)));
                }
                out.put(name, rows);
            }
            return out;
        }

        List<String> dump(String name) {
            return StoreDumps.rows(context.<KeyValueStore<Object, Object>>getStateStore(name));
        }

        TreeMap<String, Long> logicalCounts() {
            KeyValueStore<Bytes, byte[]> s = context.getStateStore(StoreNames.COOCCURRENCE_COUNTS);
            try (KeyValueIterator<Bytes, byte[]> it = s.all()) {
                return CoOccurrenceCounts.decode(it);
            }
        }
    }

    private static KeyValueStore<Bytes, byte[]> store() {
        KeyValueStore<Bytes, byte[]> s = Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(StoreNames.COOCCURRENCE_COUNTS), Serdes.Bytes(), Serdes.ByteArray())
                .withLoggingDisabled().build();
        Properties p = new Properties();
        p.put("application.id", "hyperrec-test");
        p.put("bootstrap.servers", "unused:9092");
        MockProcessorContext<Object, Object> context = new MockProcessorContext<>(p);
        s.init(context.getStateStoreContext(), s);
        return s;
    }

    /** A CPU runtime for the model's tests, with {@code overrides} (also NeighbourPartitionTest's). */
    static HyperrecRuntime runtime(Map<String, Object> overrides, PipelineMetrics metrics) {
        Map<String, Object> cfg = new TreeMap<>();
        cfg.put("bootstrap.servers", "unused:9092");
        cfg.put("schema.registry.url", "mock://unused");
        cfg.put("application.id", "hyperrec-test");
        cfg.put(HyperrecConfig.EMBEDDING_DIM, 8);
        cfg.put(HyperrecConfig.BACKEND, "cpu");
        cfg.putAll(overrides);
        return new HyperrecRuntime(HyperrecConfig.of(cfg), Backends.open(BackendKind.CPU), null, metrics);
    }

    private static String key(int item) {
        return HEX.formatHex(NeighbourCodecs.key(itemKey(item)));
    }

    private static long itemKey(int i) {
        return dev.hyperrec.operators.ItemKeys.hash64("item-" + i);
    }

    /**
     * Seeded increment records: 40 items, item 0 hot (its row grows past several chunks), up to 30 other items a
     * record (a key may repeat within one), about 1% malformed.
     */
    private static List<KeyValue<byte[], byte[]>> records(long seed, int n) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<KeyValue<byte[], byte[]>> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int item = rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(40);
            byte[] key = NeighbourCodecs.key(itemKey(item));
            if (rnd.nextInt(100) == 0) {
                out.add(KeyValue.pair(key, new byte[] {NeighbourCodecs.VERSION, 0, 0}));
                continue;
            }
            int pairs = rnd.nextInt(31);
            long[] others = new long[pairs];
            int[] counts = new int[pairs];
            for (int j = 0; j < pairs; j++) {
                others[j] = itemKey(40 + rnd.nextInt(item == 0 ? 3_000 : 200));
                counts[j] = 1 + rnd.nextInt(3);
            }
            out.add(KeyValue.pair(key, NeighbourCodecs.increment(rnd.nextInt(3), others, counts, 0, pairs)));
        }
        return out;
    }

    /** The counts summed straight from the records, as {@link CoOccurrenceCounts#decode} renders them. */
    private static TreeMap<String, Long> sums(List<KeyValue<byte[], byte[]>> records) {
        TreeMap<String, Long> out = new TreeMap<>();
        records.forEach(r -> addTo(out, r));
        return out;
    }

    /** Adds one record's counts to {@code sums} (a malformed record adds nothing, as the aggregator skips it). */
    private static void addTo(TreeMap<String, Long> sums, KeyValue<byte[], byte[]> r) {
        NeighbourCodecs.Increment inc = incrementOrNull(r.value);
        if (inc == null) {
            return;
        }
        String item = HEX.formatHex(r.key);
        if (inc.occurrences() > 0) {
            sums.merge(item, (long) inc.occurrences(), Long::sum);
        }
        for (int j = 0; j < inc.others().length; j++) {
            sums.merge(item + ">" + HEX.formatHex(NeighbourCodecs.key(inc.others()[j])), (long) inc.counts()[j], Long::sum);
        }
    }

    private static NeighbourCodecs.Increment incrementOrNull(byte[] value) {
        try {
            return NeighbourCodecs.increment(value);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static TreeMap<String, Long> rowOf(CoOccurrenceCounts c, long item) {
        CoOccurrenceCounts.Row r = c.row(item);
        TreeMap<String, Long> out = new TreeMap<>();
        for (int i = 0; i < r.size(); i++) {
            assertThat(out.put(HEX.formatHex(NeighbourCodecs.key(r.key(i))), r.count(i))).as("each key once").isNull();
        }
        return out;
    }

    private static TreeMap<String, Long> rowFrom(TreeMap<String, Long> sums, long item) {
        String prefix = HEX.formatHex(NeighbourCodecs.key(item)) + ">";
        TreeMap<String, Long> out = new TreeMap<>();
        sums.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                out.put(k.substring(prefix.length()), v);
            }
        });
        return out;
    }

    /** A chunk is encoded into an array sized in advance: the varint sizes must be those the writer produces. */
    @Test
    void varintSizesAreTheWritersByteCounts() {
        long[] values = {0, 1, 127, 128, 16_383, 16_384, (1L << 35) - 1, 1L << 35, Long.MAX_VALUE, -1, Long.MIN_VALUE};
        for (long v : values) {
            int bytes = 1;
            for (long x = v; (x & ~0x7FL) != 0; x >>>= 7) {
                bytes++;
            }
            assertThat(CoOccurrenceCounts.varLongSize(v)).as("%d", v).isEqualTo(bytes);
        }
    }

    /**
     * A checkpoint reports the pairs it stored anew and the pairs in the chunks it wrote: a new row is written as it is;
     * one changed pair rewrites its chunk whole (the whole row while it has one chunk, one of four chunks of a
     * 1,000-pair row).
     */
    @Test
    void checkpointsReportChangedAndWrittenPairs() {
        CoOccurrenceCounts c = new CoOccurrenceCounts(store());
        c.add(1L, 1, new long[] {10, 11, 12}, new int[] {1, 1, 1});
        c.checkpoint();
        assertThat(c.lastPairsChanged()).isEqualTo(3);
        assertThat(c.lastPairsWritten()).isEqualTo(3);
        c.add(1L, 0, new long[] {11}, new int[] {2});
        c.checkpoint();
        assertThat(c.lastPairsChanged()).isEqualTo(1);
        assertThat(c.lastPairsWritten()).isEqualTo(3);

        long[] others = new long[1_000];
        int[] ones = new int[others.length];
        for (int i = 0; i < others.length; i++) {
            others[i] = 1_000 + i;
            ones[i] = 1;
        }
        c.add(2L, 1, others, ones);
        c.checkpoint();
        assertThat(c.lastPairsChanged()).isEqualTo(1_000);
        assertThat(c.lastPairsWritten()).isEqualTo(1_000);
        assertThat(CoOccurrenceCounts.shift(1_000)).isEqualTo(2);
        c.add(2L, 0, new long[] {1_500}, new int[] {1});
        c.checkpoint();
        int chunk = CoOccurrenceCounts.index(1_500, 2);
        long inChunk = java.util.Arrays.stream(others).filter(o -> CoOccurrenceCounts.index(o, 2) == chunk).count();
        assertThat(c.lastPairsChanged()).isEqualTo(1);
        assertThat(c.lastPairsWritten()).isEqualTo(inChunk).isLessThan(1_000);
        c.checkpoint();
        assertThat(c.lastPairsChanged()).isZero();
        assertThat(c.lastPairsWritten()).isZero();
    }
}
