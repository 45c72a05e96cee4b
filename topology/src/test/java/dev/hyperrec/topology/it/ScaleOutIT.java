package dev.hyperrec.topology.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperrec.avro.InteractionEvent;
import dev.hyperrec.avro.Recommendations;
import dev.hyperrec.schemas.AvroSerdes;
import dev.hyperrec.topology.Fixtures;
import dev.hyperrec.topology.HyperrecApp;
import dev.hyperrec.topology.HyperrecConfig;
import dev.hyperrec.topology.HyperrecRuntime;
import dev.hyperrec.topology.StoreDumps;
import dev.hyperrec.topology.StoreNames;
import dev.hyperrec.topology.Topics;
import dev.hyperrec.topology.engine.EventWeights;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.TaskMetadata;
import org.apache.kafka.streams.ThreadMetadata;
import org.apache.kafka.streams.processor.TaskId;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Scale-out (issue 7, item 4): two instances of one application id (each its own state directory,
 * both in this JVM) share the input's four partitions. Instance A starts alone and processes the
 * first third of the input; B joins and the rebalance moves tasks to it (restored from their
 * changelogs); both process the second third; A leaves the group and B takes its tasks over (restored
 * again) and processes the last third. The final content of every task store, per partition, equals
 * that of one instance that processed the whole input without interruption, and a read_committed
 * consumer sees every list exactly once. Run twice: without standby replicas, and with
 * {@code num.standby.replicas=1}, where each instance keeps a standby copy of the other's tasks' stores while both
 * run and B's takeover starts from those copies.
 */
@ExtendWith(KafkaInfra.class)
class ScaleOutIT {
    private static final int PARTITIONS = 4;
    /** The per-user tasks' stores (as RestartIT) and the item-keyed co-occurrence tasks' stores. */
    private static final List<String> STORES = List.of(StoreNames.USER_VECTORS, StoreNames.ID_DICTIONARY,
            StoreNames.SEEN_SETS, StoreNames.BANDIT, StoreNames.SKETCH, StoreNames.SKETCH_COUNTERS, StoreNames.BATCH_BUFFER,
            StoreNames.COOCCURRENCE_WINDOWS, StoreNames.COOCCURRENCE_COUNTS, StoreNames.NEIGHBOURS_CHANGED);
    private static final Duration WAIT = Duration.ofSeconds(60);

    @ParameterizedTest(name = "num.standby.replicas={0}")
    @ValueSource(ints = {0, 1})
    void twoInstancesWithRebalancesEndInTheStateOfOneUninterruptedInstance(int standbys, KafkaInfra.Infra infra) throws Exception {
        List<InteractionEvent> events = Fixtures.randomStream(3000, 80, 40, 17);
        int first = events.size() / 3;
        int second = 2 * events.size() / 3;
        // lists (and the bandit impressions they record) depend on when item-to-item lists arrive, so
        // none is published during the runs (as in RestartIT): the windows and the co-occurrence counts
        // still flow and are compared
        Map<String, Object> overrides = Map.of(HyperrecConfig.EMBEDDING_DIM, 8, HyperrecConfig.BATCH_MAX_EVENTS, 50,
                HyperrecConfig.BATCH_FLUSH_INTERVAL_MS, 200, HyperrecConfig.CACHE_CHECK_EVERY_EVENTS, 25,
                HyperrecConfig.NEIGHBOURS_PUBLISH_INTERVAL_MS, 3_600_000, "num.standby.replicas", standbys);

        // the reference: one instance, the whole input, no rebalance
        HyperrecConfig ref = ItSupport.config(infra, "scaleRef" + standbys + ".", overrides);
        prepare(infra, ref);
        publish(infra, ref, events, 0, events.size());
        Map<String, List<String>> reference;
        try (HyperrecRuntime rt = HyperrecRuntime.create(ref)) {
            KafkaStreams s = HyperrecApp.start(rt);
            try {
                ItSupport.awaitRunning(s);
                awaitLists(infra, ref, triggering(events, 0, events.size()));
                reference = awaitQuiet(infra, ref, s);
            } finally {
                HyperrecApp.stop(s, Duration.ofSeconds(30));
            }
        }

        // the scale-out run: one application id, two state directories
        HyperrecConfig a = ItSupport.config(infra, "scaleRun" + standbys + ".", overrides);
        HyperrecConfig b = a.with("state.dir", Files.createTempDirectory("hyperrec-it-instanceB-").toString());
        prepare(infra, a);
        publish(infra, a, events, 0, first);
        Map<String, List<String>> end;
        List<ConsumerRecord<String, Recommendations>> lists;
        try (HyperrecRuntime rtA = HyperrecRuntime.create(a); HyperrecRuntime rtB = HyperrecRuntime.create(b)) {
            KafkaStreams sa = HyperrecApp.start(rtA);
            KafkaStreams sb = null;
            try {
                ItSupport.awaitRunning(sa);
                awaitLists(infra, a, triggering(events, 0, first));
                assertThat(activeTasks(sa)).as("A alone owns every task").hasSize(2 * PARTITIONS);

                // B joins: the rebalance gives it part of A's tasks at once, since B counts as caught up on them
                // (their changelogs are far below acceptable.recovery.lag, 10,000 records); with more state B would
                // get warm-up replicas first and the tasks only at a probing rebalance
                sb = HyperrecApp.start(rtB);
                KafkaStreams bRef = sb;
                awaitUntil("both instances RUNNING with active tasks", () -> running(sa) && running(bRef)
                        && !activeTasks(sa).isEmpty() && !activeTasks(bRef).isEmpty()
                        && activeTasks(sa).size() + activeTasks(bRef).size() == 2 * PARTITIONS);
                Set<TaskId> tasksA = activeTasks(sa);
                Set<TaskId> tasksB = activeTasks(sb);
                assertThat(tasksA).doesNotContainAnyElementsOf(tasksB);
                Set<Integer> partitionsB = inputPartitions(tasksB, sb);
                Set<Integer> partitionsA = inputPartitions(tasksA, sa);
                assertThat(partitionsB).as("user-keyed partitions B owns").isNotEmpty();
                assertThat(partitionsA).as("user-keyed partitions A kept").isNotEmpty();

                publish(infra, a, events, first, second);
                List<ConsumerRecord<String, Recommendations>> sofar = awaitLists(infra, a, triggering(events, 0, second));
                // no rebalance happened meanwhile: each list of the second third came from its partition's owner
                assertThat(activeTasks(sa)).isEqualTo(tasksA);
                assertThat(activeTasks(sb)).isEqualTo(tasksB);
                Set<String> secondIds = new TreeSet<>();
                for (InteractionEvent e : events.subList(first, second)) {
                    secondIds.add("evt:" + e.getEventId());
                }
                Map<Boolean, Long> byOwner = sofar.stream().filter(r -> secondIds.contains(r.value().getRecommendationId()))
                        .collect(Collectors.partitioningBy(r -> partitionsB.contains(r.partition()), Collectors.counting()));
                assertThat(byOwner.get(true)).as("lists B produced while both ran").isPositive();
                assertThat(byOwner.get(false)).as("lists A produced while both ran").isPositive();

                if (standbys > 0) {
                    // each instance keeps a standby copy of every task the other runs (the lists' and the model's)
                    awaitUntil("standbys of the other instance's tasks on each", () -> standbyTasks(bRef).containsAll(tasksA)
                            && standbyTasks(sa).containsAll(tasksB));
                } else {
                    assertThat(standbyTasks(sa)).isEmpty();
                    assertThat(standbyTasks(sb)).isEmpty();
                }

                // A leaves the group: B takes over A's tasks, restoring them from their changelogs (with standbys, only
                // what its copies lack)
                HyperrecApp.stop(sa, Duration.ofSeconds(30));
                awaitUntil("B RUNNING with every task", () -> running(bRef) && activeTasks(bRef).size() == 2 * PARTITIONS);
                publish(infra, a, events, second, events.size());
                lists = awaitLists(infra, a, triggering(events, 0, events.size()));
                end = awaitQuiet(infra, a, sb);
            } finally {
                HyperrecApp.stop(sa, Duration.ofSeconds(30));
                if (sb != null) {
                    HyperrecApp.stop(sb, Duration.ofSeconds(30));
                }
            }
        }

        assertThat(reference.get(StoreNames.USER_VECTORS + "#0")).isNotEmpty();
        assertThat(reference.get(StoreNames.COOCCURRENCE_COUNTS + "#0")).isNotEmpty();
        assertThat(end.keySet()).isEqualTo(reference.keySet());
        for (String k : reference.keySet()) {
            assertThat(end.get(k)).as("store %s after the rebalances", k).isEqualTo(reference.get(k));
        }
        Map<String, Long> perId = lists.stream()
                .collect(Collectors.groupingBy(r -> r.value().getRecommendationId(), TreeMap::new, Collectors.counting()));
        assertThat(perId).hasSize((int) triggering(events, 0, events.size()));
        assertThat(perId.values()).allMatch(c -> c == 1L);
    }

    private static long triggering(List<InteractionEvent> events, int from, int to) {
        return events.subList(from, to).stream().filter(e -> EventWeights.triggers(e.getType())).count();
    }

    /**
     * The active tasks of instance {@code s} and of its model instance ({@link HyperrecApp#model}), the
     * model's renumbered to subtopology 100 + its own so that they stay apart from the lists' tasks.
     */
    private static Set<TaskId> activeTasks(KafkaStreams s) {
        return tasks(s, ThreadMetadata::activeTasks);
    }

    /** The standby tasks of instance {@code s} and of its model instance, numbered as {@link #activeTasks}. */
    private static Set<TaskId> standbyTasks(KafkaStreams s) {
        return tasks(s, ThreadMetadata::standbyTasks);
    }

    private static Set<TaskId> tasks(KafkaStreams s, Function<ThreadMetadata, Set<TaskMetadata>> kind) {
        Set<TaskId> out = new TreeSet<>();
        for (ThreadMetadata t : s.metadataForLocalThreads()) {
            kind.apply(t).forEach(task -> out.add(task.taskId()));
        }
        KafkaStreams model = HyperrecApp.model(s);
        if (model != null) {
            for (ThreadMetadata t : model.metadataForLocalThreads()) {
                kind.apply(t).forEach(task -> out.add(new TaskId(MODEL_SUBTOPOLOGY + task.taskId().subtopology(),
                        task.taskId().partition())));
            }
        }
        return out;
    }

    private static final int MODEL_SUBTOPOLOGY = 100;

    /** The interactions partitions among {@code tasks} (the per-user tasks' input). */
    private static Set<Integer> inputPartitions(Set<TaskId> tasks, KafkaStreams s) {
        Set<Integer> out = new TreeSet<>();
        for (ThreadMetadata t : s.metadataForLocalThreads()) {
            t.activeTasks().stream().filter(task -> tasks.contains(task.taskId()))
                    .flatMap(task -> task.topicPartitions().stream())
                    .filter(tp -> tp.topic().endsWith(Topics.INTERACTIONS))
                    .forEach(tp -> out.add(tp.partition()));
        }
        return out;
    }

    /** The instance, and its model instance when it has one, RUNNING. */
    private static boolean running(KafkaStreams s) {
        KafkaStreams model = HyperrecApp.model(s);
        return s.state() == KafkaStreams.State.RUNNING && (model == null || model.state() == KafkaStreams.State.RUNNING);
    }

    private static void awaitUntil(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + WAIT + ": " + what);
            }
            Thread.sleep(50);
        }
    }

    private static void prepare(KafkaInfra.Infra infra, HyperrecConfig c) {
        ItSupport.prepareAxisCatalog(infra.bootstrapServers(), c, PARTITIONS, 40);
    }

    /** Sends events [from, to) in order (one producer: each partition gets its events in input order). */
    private static void publish(KafkaInfra.Infra infra, HyperrecConfig c, List<InteractionEvent> events, int from, int to) {
        ItSupport.publishEvents(infra.bootstrapServers(), c, events.subList(from, to));
    }

    private static List<ConsumerRecord<String, Recommendations>> awaitLists(KafkaInfra.Infra infra, HyperrecConfig c,
            long count) {
        var de = AvroSerdes.forClass(Recommendations.class, c.serdeConfig(), false).deserializer();
        List<ConsumerRecord<String, Recommendations>> out = ItSupport.readUntil(infra.bootstrapServers(),
                c.topic(Topics.RECOMMENDATIONS), new StringDeserializer(), de, l -> l.size() >= count, WAIT);
        assertThat(out.size()).as("lists on %s", c.topic(Topics.RECOMMENDATIONS)).isGreaterThanOrEqualTo((int) count);
        return out;
    }

    /**
     * Waits until the instance is quiet and returns its stores' content: every open batch flushed (the
     * batch buffers empty), every co-occurrence increment consumed and committed by the item-keyed
     * tasks and checkpointed into their counts store, and two snapshots in a row equal. A task that moved
     * between instances read the increments since its last checkpoint again (it checkpoints only when idle or
     * every few seconds, and not at a clean handover), so the equality below also checks that read-back.
     */
    private static Map<String, List<String>> awaitQuiet(KafkaInfra.Infra infra, HyperrecConfig c, KafkaStreams s)
            throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        Map<String, List<String>> previous = null;
        while (true) {
            // the checks first, then the snapshot: a snapshot taken before them could miss a checkpoint the model
            // wrote while they ran (reading item-cooccurrence to its end takes a while), and still equal the last one
            boolean settled = incrementsConsumed(infra, c) && StoreDumps.modelCheckpointed(s, PARTITIONS);
            Map<String, List<String>> now = snapshot(s);
            boolean buffersEmpty = true;
            for (int p = 0; p < PARTITIONS; p++) {
                buffersEmpty &= now.get(StoreNames.BATCH_BUFFER + "#" + p).isEmpty();
            }
            if (settled && buffersEmpty && now.equals(previous)) {
                return now;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("instance not quiet within " + WAIT);
            }
            previous = now;
            Thread.sleep(300);
        }
    }

    /** Whether the application's committed offsets on item-cooccurrence are past its last data record, per partition. */
    private static boolean incrementsConsumed(KafkaInfra.Infra infra, HyperrecConfig c) throws Exception {
        String topic = c.topic(Topics.ITEM_COOCCURRENCE);
        Map<TopicPartition, Long> lastData = new HashMap<>();
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int i = 0; i < PARTITIONS; i++) {
                tps.add(new TopicPartition(topic, i));
            }
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            Map<TopicPartition, Long> endOffsets = consumer.endOffsets(tps);
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (tps.stream().anyMatch(tp -> consumer.position(tp) < endOffsets.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    lastData.merge(new TopicPartition(r.topic(), r.partition()), r.offset(), Math::max);
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("could not read " + topic + " to its end");
                }
            }
        }
        // the group that consumes the increments: the model's own instance by default
        String group = (c.modelInOwnApp() ? c.modelStreamsProperties() : c.streamsProperties()).getProperty("application.id");
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", infra.bootstrapServers()))) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get();
            return lastData.entrySet().stream().allMatch(e -> committed.get(e.getKey()) != null
                    && committed.get(e.getKey()).offset() > e.getValue());
        }
    }

    /** Every task store's content, per partition, rendered comparably (each store's tasks must be on {@code s}). */
    private static Map<String, List<String>> snapshot(KafkaStreams s) {
        return StoreDumps.snapshot(s, STORES, PARTITIONS);
    }
}
