package dev.hyperrec.topology.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperrec.operators.ItemKeys;
import dev.hyperrec.topology.HyperrecConfig;
import dev.hyperrec.topology.HyperrecRuntime;
import dev.hyperrec.topology.StoreNames;
import dev.hyperrec.topology.engine.NeighbourTable;
import dev.hyperrec.topology.metrics.PipelineMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

/**
 * The model's publishing looks up a neighbour's occurrence count in its task's store only when Kafka's default
 * partitioner sends that neighbour's key to the task's partition ({@link NeighbourCodecs#partition}); any item counted
 * or published on the task that the partitioner sends elsewhere turns that off. Either way the lists are the same as
 * with a store lookup for every neighbour.
 */
class NeighbourPartitionTest {
    private static final int PARTITIONS = 4;
    private static final int PARTITION = 2;
    private static final HexFormat HEX = HexFormat.of();

    @Property(tries = 2000)
    void partitionIsKafkasDefaultPartitionerOverTheEncodedKey(@ForAll long item, @ForAll @IntRange(min = 1, max = 1000) int partitions) {
        assertThat(NeighbourCodecs.partition(item, partitions))
                .isEqualTo(Utils.toPositive(Utils.murmur2(NeighbourCodecs.key(item))) % partitions);
    }

    @Test
    void neighboursOfOtherPartitionsAreNotLookedUpAndTheListsAreTheSame() {
        List<Long> own = items(40, true);
        List<Long> other = items(40, false);
        List<KeyValue<byte[], byte[]>> records = records(7, 1_500, own, other, -1);
        Run fast = run(records, PARTITIONS, own, other);
        Run reference = run(records, 1, own, other);
        assertThat(fast.partitionedByKey).isTrue();
        assertThat(reference.partitionedByKey).as("one partition of 1 cannot be partition 2: the shortcut is off").isFalse();
        assertThat(fast.lists).hasSize(own.size()).isEqualTo(reference.lists);
        assertThat(fast.readsOf(other)).as("store reads of other partitions' items").isZero();
        assertThat(reference.readsOf(other)).as("the same reads without the shortcut").isPositive();
        assertThat(fast.readsOf(own)).isPositive();
        assertThat(fast.lists.values().stream().anyMatch(l -> l.contains("published"))).as("a list with a neighbour"
                + " counted elsewhere").isTrue();
    }

    @Test
    void anItemOfAnotherPartitionCountedHereTurnsTheShortcutOffAndTheListsStayTheSame() {
        List<Long> own = items(40, true);
        List<Long> other = items(40, false);
        // from record 700 on, another partition's item has increments here too (another partition count, or a custom
        // partitioner): its counts are in this task's store, and lists that name it must read them
        List<KeyValue<byte[], byte[]>> records = records(11, 1_500, own, other, 700);
        Run fast = run(records, PARTITIONS, own, other);
        Run reference = run(records, 1, own, other);
        assertThat(fast.lists).isEqualTo(reference.lists);
        assertThat(fast.partitionedByKey).isFalse();
        assertThat(fast.readsOf(other.subList(0, 1))).as("the stray item's count, read once the shortcut is off")
                .isPositive();
    }

    /** What one aggregator on partition {@value #PARTITION} published, and the keys its counts store was asked for. */
    private record Run(TreeMap<String, String> lists, List<Long> reads, boolean partitionedByKey) {
        long readsOf(List<Long> items) {
            return reads.stream().filter(items::contains).count();
        }
    }

    /**
     * Processes {@code records} on a task of partition {@value #PARTITION} with {@code hyperrec.topics.partitions} set to
     * {@code partitions}, checkpointing and publishing every 100 records; the published table holds counts for half
     * of {@code other}. Returns the last list published for each item, rendered.
     */
    private static Run run(List<KeyValue<byte[], byte[]>> records, int partitions, List<Long> own, List<Long> other) {
        try (HyperrecRuntime runtime = NeighbourCheckpointTest.runtime(Map.of(HyperrecConfig.TOPICS_PARTITIONS, partitions,
                HyperrecConfig.NEIGHBOURS_PUBLISH_BUDGET, 1.0), PipelineMetrics.of(new SimpleMeterRegistry()))) {
            NeighbourTable published = runtime.neighbours();
            for (int i = 0; i < other.size(); i += 2) {
                published.put(other.get(i), new NeighbourTable.Entry(5 + i, new long[0], new float[0]));
            }
            Properties p = new Properties();
            p.put("application.id", "hyperrec-test");
            p.put("bootstrap.servers", "unused:9092");
            MockProcessorContext<Object, Object> context = new MockProcessorContext<>(p, new TaskId(0, PARTITION),
                    Files.createTempDirectory("hyperrec-partition-").toFile());
            KeyValueStore<Bytes, byte[]> counts = Stores.keyValueStoreBuilder(
                    Stores.inMemoryKeyValueStore(StoreNames.COOCCURRENCE_COUNTS), Serdes.Bytes(), Serdes.ByteArray())
                    .withLoggingDisabled().build();
            KeyValueStore<Bytes, Long> changed = Stores.keyValueStoreBuilder(
                    Stores.inMemoryKeyValueStore(StoreNames.NEIGHBOURS_CHANGED), Serdes.Bytes(), Serdes.Long())
                    .withLoggingDisabled().build();
            KeyValueStore<String, Long> progress = Stores.keyValueStoreBuilder(
                    Stores.inMemoryKeyValueStore(StoreNames.COOCCURRENCE_PROGRESS), Serdes.String(), Serdes.Long())
                    .withLoggingDisabled().build();
            for (KeyValueStore<?, ?> s : List.of(counts, changed, progress)) {
                s.init(context.getStateStoreContext(), s);
            }
            List<Long> reads = new ArrayList<>();
            context.addStateStore(counting(counts, reads));
            context.addStateStore(changed);
            context.addStateStore(progress);
            NeighbourAggregator aggregator = new NeighbourAggregator(runtime, () -> {
                throw new AssertionError("nothing to read again on a fresh task");
            });
            aggregator.init(context);
            TreeMap<String, String> lists = new TreeMap<>();
            for (int i = 0; i < records.size(); i++) {
                context.setRecordMetadata("item-cooccurrence", PARTITION, i);
                aggregator.process(new Record<>(records.get(i).key, records.get(i).value, 0L));
                if (i % 100 == 99) {
                    aggregator.checkpoint();
                    aggregator.publish(i);
                    for (var f : context.forwarded()) {
                        if (f.record().value() instanceof byte[] v && f.childName().orElse("").equals(
                                dev.hyperrec.topology.NodeNames.NEIGHBOURS_SINK)) {
                            lists.put(HEX.formatHex((byte[]) f.record().key()), render(NeighbourCodecs.list(v), published));
                        }
                    }
                    context.resetForwards();
                }
            }
            return new Run(lists, reads, aggregator.partitionedByKey());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String render(NeighbourTable.Entry e, NeighbourTable published) {
        StringBuilder b = new StringBuilder().append(e.occurrences());
        for (int j = 0; j < e.size(); j++) {
            b.append(' ').append(Long.toHexString(e.keys()[j])).append('=').append(e.similarity()[j])
                    .append(published.get(e.keys()[j]) != null ? " published" : "");
        }
        return b.toString();
    }

    /** {@code store}, recording the item key of every {@code get} of an 8-byte (occurrence count) key in {@code reads}. */
    @SuppressWarnings("unchecked")
    private static KeyValueStore<Bytes, byte[]> counting(KeyValueStore<Bytes, byte[]> store, List<Long> reads) {
        return (KeyValueStore<Bytes, byte[]>) Proxy.newProxyInstance(KeyValueStore.class.getClassLoader(),
                new Class<?>[] {KeyValueStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("get") && args[0] instanceof Bytes k && k.get().length == 8) {
                        reads.add(NeighbourCodecs.key(k.get()));
                    }
                    try {
                        return method.invoke(store, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    /** {@code n} item keys that the default partitioner sends to partition {@value #PARTITION} of 4, or that it does not. */
    private static List<Long> items(int n, boolean own) {
        List<Long> out = new ArrayList<>();
        for (int i = 0; out.size() < n; i++) {
            long k = ItemKeys.hash64("item-" + i);
            if ((NeighbourCodecs.partition(k, PARTITIONS) == PARTITION) == own) {
                out.add(k);
            }
        }
        return out;
    }

    /**
     * Seeded increment records keyed by {@code own} items (from record {@code strayFrom} on, one in five keyed by
     * {@code other}'s first item instead, when {@code strayFrom >= 0}), each with up to 12 neighbours from both lists.
     */
    private static List<KeyValue<byte[], byte[]>> records(long seed, int n, List<Long> own, List<Long> other, int strayFrom) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<KeyValue<byte[], byte[]>> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long item = strayFrom >= 0 && i >= strayFrom && rnd.nextInt(5) == 0 ? other.get(0) : own.get(rnd.nextInt(own.size()));
            int m = 1 + rnd.nextInt(12);
            long[] others = new long[m];
            int[] counts = new int[m];
            for (int j = 0; j < m; j++) {
                List<Long> from = rnd.nextBoolean() ? own : other;
                others[j] = from.get(rnd.nextInt(from.size()));
                counts[j] = 1 + rnd.nextInt(3);
            }
            out.add(KeyValue.pair(NeighbourCodecs.key(item), NeighbourCodecs.increment(1, others, counts, 0, m)));
        }
        return out;
    }
}
