package dev.hyperrec.topology.tools;

import dev.hyperrec.avro.CatalogItem;
import dev.hyperrec.avro.InteractionEvent;
import dev.hyperrec.avro.Recommendations;
import dev.hyperrec.schemas.AvroSerdes;
import dev.hyperrec.schemas.registry.HttpSchemaRegistryClient;
import dev.hyperrec.schemas.registry.LocalApicurioRegistry;
import dev.hyperrec.topology.HyperrecConfig;
import dev.hyperrec.topology.HyperrecTopology;
import dev.hyperrec.topology.SchemaSetup;
import dev.hyperrec.topology.StoreNames;
import dev.hyperrec.topology.TopicSetup;
import dev.hyperrec.topology.Topics;
import dev.hyperrec.topology.demo.DemoData;
import dev.hyperrec.topology.demo.SyntheticData;
import dev.hyperrec.topology.embedded.BrokerProcess;
import dev.hyperrec.topology.engine.EventWeights;
import dev.hyperrec.topology.internal.NeighbourAggregator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The crash harness: runs the app as a separate process against a broker in its own JVM while a
 * seeded stream flows, kills it with SIGKILL at random moments and restarts it each time, then
 * compares every task store's final content (from the changelogs, read_committed) with an
 * uninterrupted reference run on the same input, and counts lists seen more than once by a
 * read_committed consumer. Last line:
 * {@code chaos: kills=<k> events=<n> state_mismatches=<m> duplicate_recommendations=<d>}.
 */
@Command(name = "chaos", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Kills and restarts the app during a replay and checks exactly-once state and output.")
public final class Chaos implements Callable<Integer> {
    private static final List<String> STORES = List.of(StoreNames.USER_VECTORS, StoreNames.ID_DICTIONARY,
            StoreNames.SEEN_SETS, StoreNames.BANDIT, StoreNames.SKETCH, StoreNames.SKETCH_COUNTERS, StoreNames.BATCH_BUFFER);

    @Option(names = "--events", defaultValue = "200000", description = "events (default: ${DEFAULT-VALUE})")
    int events;
    @Option(names = "--users", defaultValue = "10000", description = "users (default: ${DEFAULT-VALUE})")
    int users;
    @Option(names = "--items", defaultValue = "2000", description = "items (default: ${DEFAULT-VALUE})")
    int items;
    @Option(names = "--kills", defaultValue = "10", description = "SIGKILLs during the run (default: ${DEFAULT-VALUE})")
    int kills;
    @Option(names = "--partitions", defaultValue = "4", description = "input partitions (default: ${DEFAULT-VALUE})")
    int partitions;
    @Option(names = "--seed", defaultValue = "2026", description = "seed (default: ${DEFAULT-VALUE})")
    long seed;
    @Option(names = "--schema-registry-url", description = "an existing registry (default: start Apicurio)")
    String registryUrl;
    @Option(names = "--work-dir", description = "where the broker and app state live (default: a temp dir)")
    Path workDir;
    @Option(names = "--no-progress", description = "no progress bars (on stderr)")
    boolean noProgress;
    @Option(names = "--coalesce", description = "both runs with hyperrec.recs.coalesce=true (one list per user and batch):"
            + " which events get a list then depends on where batches end, so the bandit's state is checked against each"
            + " run's own lists instead of the reference's, and an event is covered by its user's next list")
    boolean coalesce;
    @Option(names = "--set", description = "an app config key=value for both runs (repeatable), e.g."
            + " hyperrec.batch.max.events=2048; a key that makes task state depend on timing (the neighbour lists'"
            + " publication) makes the runs incomparable")
    Map<String, String> overrides = new HashMap<>();

    public static void main(String[] args) {
        System.exit(new CommandLine(new Chaos()).execute(args));
    }

    /**
     * What a run found. {@code storeEntries}: each compared store's entries in the reference run (so that a comparison
     * of empty stores shows); {@code missing}: triggering events without their own list (with coalescing: not covered by
     * a list of their user); {@code resumedSeconds}: after each kill, the seconds until the first list the restarted app
     * generated (its {@code generatedAt}, this machine's clock; a kill the run ended before is left out).
     */
    public record Result(int kills, int events, long triggering, long lists, int mismatches, long duplicates, long missing,
            long foreign, Map<String, Integer> storeEntries, List<Double> resumedSeconds) {
        /** Every requested kill happened, every state equals the reference and every event has its list, once. */
        public boolean passed(int requestedKills) {
            return kills >= requestedKills && mismatches == 0 && duplicates == 0 && missing == 0 && foreign == 0;
        }
    }

    @Override
    public Integer call() throws Exception {
        return run().passed(kills) ? 0 : 1;
    }

    /** Runs the reference and the interrupted run and compares them (printing as it goes); see {@link Result}. */
    public Result run() throws Exception {
        Path dir = workDir != null ? workDir : Files.createTempDirectory("hyperrec-chaos-");
        LocalApicurioRegistry registry = null;
        try (BrokerProcess broker = BrokerProcess.create(dir.resolve("broker"), Map.of())) {
            String url = registryUrl;
            if (url == null) {
                registry = LocalApicurioRegistry.start(LocalApicurioRegistry.locate());
                url = registry.ccompatUrl();
            }
            DemoData data = SyntheticData.generate(users, items, events, 16, 32, 0.85, seed, "chaos");
            long triggering = data.events().stream().filter(e -> EventWeights.triggers(e.getType())).count();
            System.out.printf("chaos: %d events (%d trigger a list), %d users, %d items; broker at %s%n",
                    data.events().size(), triggering, users, items, broker.bootstrapServers());

            HyperrecConfig ref = config(broker, url, dir, "ref");
            HyperrecConfig chaos = config(broker, url, dir, "chaos");
            publish(broker, ref, data);
            publish(broker, chaos, data);

            long t0 = System.nanoTime();
            AppProcess refApp = AppProcess.start(ref, dir.resolve("ref"));
            var refBar = Progress.bar("reference run", triggering, "events covered", !noProgress);
            ListCoverage refLists;
            try {
                refLists = awaitLists(broker, ref, data, count -> Progress.set(refBar, count));
            } finally {
                Progress.close(refBar);
            }
            awaitModel(ref);
            awaitCheckpoints(broker, ref);
            refApp.stop();
            System.out.printf("chaos: reference run done in %.0f s%n", (System.nanoTime() - t0) / 1e9);

            SplittableRandom rnd = new SplittableRandom(seed);
            double[] at = new double[kills];
            for (int i = 0; i < kills; i++) {
                at[i] = 0.05 + 0.9 * rnd.nextDouble();
            }
            Arrays.sort(at);
            AppProcess[] app = {AppProcess.start(chaos, dir.resolve("chaos"))};
            int[] killed = {0};
            // when the last kill happened (epoch ms; -1: resumed, or no kill yet)
            long[] lastKill = {-1};
            List<Double> resumed = new ArrayList<>();
            long t1 = System.nanoTime();
            var chaosBar = Progress.bar("interrupted run", triggering, "events covered", !noProgress);
            ListCoverage seen;
            try {
                seen = awaitLists(broker, chaos, data, count -> {
                    Progress.set(chaosBar, Math.min(count, triggering));
                    if (lastKill[0] >= 0 && newestGeneratedMs > lastKill[0]) {
                        double s = (newestGeneratedMs - lastKill[0]) / 1e3;
                        resumed.add(s);
                        System.out.printf("chaos: lists resumed %.1f s after SIGKILL %d%n", s, killed[0]);
                        lastKill[0] = -1;
                    }
                    while (killed[0] < at.length && count >= at[killed[0]] * triggering) {
                        app[0].kill();
                        killed[0]++;
                        lastKill[0] = System.currentTimeMillis();
                        System.out.printf("chaos: SIGKILL %d at %d/%d triggering events covered by lists; restarting%n",
                                killed[0], count, triggering);
                        app[0] = AppProcess.start(chaos, dir.resolve("chaos"));
                    }
                });
            } finally {
                Progress.close(chaosBar);
            }
            Thread.sleep(2000);
            awaitModel(chaos);
            awaitCheckpoints(broker, chaos);
            app[0].stop();
            System.out.printf("chaos: interrupted run done in %.0f s%n", (System.nanoTime() - t1) / 1e9);

            int mismatches = 0;
            Map<String, Integer> entries = new java.util.LinkedHashMap<>();
            List<String[]> compared = new ArrayList<>(); // store, reference app id, interrupted app id
            for (String store : STORES) {
                if (coalesce && store.equals(StoreNames.BANDIT)) {
                    continue; // its impressions are those of the run's own lists: checked against them below
                }
                compared.add(new String[] {store, ref.get("application.id"), chaos.get("application.id")});
            }
            // the item-to-item model: the users' windows on the lists' side, the counts and marks where they are aggregated
            compared.add(new String[] {StoreNames.COOCCURRENCE_WINDOWS, ref.get("application.id"), chaos.get("application.id")});
            for (String store : HyperrecTopology.MODEL_STORES) {
                compared.add(new String[] {store, modelApp(ref), modelApp(chaos)});
            }
            for (String[] cmp : compared) {
                String store = cmp[0];
                Map<String, String> a = changelog(broker, cmp[1] + "-" + store + "-changelog");
                Map<String, String> b = changelog(broker, cmp[2] + "-" + store + "-changelog");
                if (store.equals(StoreNames.BANDIT)) { // the arms, whichever records hold them
                    a = ListCoverage.banditArms(a);
                    b = ListCoverage.banditArms(b);
                }
                int m = mismatches(a, b);
                if (a.isEmpty() && (store.equals(StoreNames.COOCCURRENCE_WINDOWS) || store.equals(StoreNames.COOCCURRENCE_COUNTS))) {
                    System.out.printf("chaos: store %s of %s is empty in the reference run: nothing to compare%n", store, cmp[1]);
                    m++;
                }
                System.out.printf("chaos: store %-16s entries=%d mismatches=%d%n", store, a.size(), m);
                entries.put(store, a.size());
                mismatches += m;
            }
            // the bandit's impressions and clicks are exactly those of the lists each run's reader saw, once each
            mismatches += banditAgainstLists(broker, ref, refLists) + banditAgainstLists(broker, chaos, seen);
            long duplicates = seen.duplicates();
            // with coalescing an event may be stood for by a later list of its user; without it every event has its own
            long missing = coalesce ? triggering - seen.covered() : seen.withoutOwnList();
            System.out.printf("chaos: lists=%d (reference %d) covering %d of %d triggering events, missing=%d foreign=%d%n",
                    seen.lists(), refLists.lists(), seen.covered(), triggering, missing, seen.foreign());
            long refMissing = coalesce ? triggering - refLists.covered() : refLists.withoutOwnList();
            if (refLists.duplicates() + refLists.foreign() + refMissing > 0) {
                System.out.printf("chaos: the reference run's lists: duplicates=%d missing=%d foreign=%d%n",
                        refLists.duplicates(), refMissing, refLists.foreign());
                mismatches++;
            }
            System.out.printf("chaos: kills=%d events=%d state_mismatches=%d duplicate_recommendations=%d%n", killed[0],
                    data.events().size(), mismatches, duplicates);
            return new Result(killed[0], data.events().size(), triggering, seen.lists(), mismatches, duplicates, missing,
                    seen.foreign(), entries, List.copyOf(resumed));
        } finally {
            if (registry != null) {
                registry.close();
            }
        }
    }

    /** Mismatches between a run's {@code bandit-params} changelog and what the lists its reader saw imply. */
    private static int banditAgainstLists(BrokerProcess broker, HyperrecConfig c, ListCoverage lists) {
        String app = c.get("application.id");
        Map<String, String> expected = lists.expectedBandit();
        int m = mismatches(expected, ListCoverage.banditArms(changelog(broker, app + "-" + StoreNames.BANDIT + "-changelog")));
        System.out.printf("chaos: store %-16s of %s against its lists: entries=%d mismatches=%d%n", StoreNames.BANDIT, app,
                expected.size(), m);
        return m;
    }

    /** Keys whose values differ, or that only one side has. */
    static int mismatches(Map<String, String> a, Map<String, String> b) {
        int m = 0;
        for (Map.Entry<String, String> e : a.entrySet()) {
            if (!e.getValue().equals(b.get(e.getKey()))) {
                m++;
            }
        }
        for (String k : b.keySet()) {
            if (!a.containsKey(k)) {
                m++;
            }
        }
        return m;
    }

    /**
     * Waits until the aggregating group has committed every {@code item-cooccurrence} record: the lists of a run can all
     * be out while the model (its own instance, its own pace) is still adding up their increments, and the counts are
     * only comparable once both runs' models have read everything.
     */
    private static void awaitModel(HyperrecConfig c) throws Exception {
        if (!c.neighboursEnabled()) {
            return;
        }
        long deadline = System.nanoTime() + MODEL_CATCH_UP.toNanos();
        try (Admin admin = Admin.create(c.adminConfig())) {
            while (true) {
                long behind = PipelineBench.modelOffsets(admin, c)[1];
                if (behind == 0) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the model of " + c.get("application.id") + " is still " + behind
                            + " item-cooccurrence records behind after " + MODEL_CATCH_UP.toSeconds() + " s");
                }
                Thread.sleep(500);
            }
        }
    }

    private static final Duration MODEL_CATCH_UP = Duration.ofMinutes(5);

    /**
     * Waits until every aggregator task has committed a checkpoint of all it read ({@code cooccurrence-progress}:
     * checkpointed = read + 1 in every partition): until then the counts of the last records are in memory only (and
     * would be read again after a restart), so the counts stores of two runs compare only once both are checkpointed.
     */
    private static void awaitCheckpoints(BrokerProcess broker, HyperrecConfig c) throws Exception {
        if (!c.neighboursEnabled()) {
            return;
        }
        String topic = modelApp(c) + "-" + HyperrecTopology.MODEL_PROGRESS_STORE + "-changelog";
        HexFormat hex = HexFormat.of();
        String read = hex.formatHex(NeighbourAggregator.READ.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        String checkpointed = hex.formatHex(NeighbourAggregator.CHECKPOINTED.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + MODEL_CATCH_UP.toNanos();
        while (true) {
            Map<String, String> progress = changelog(broker, topic);
            boolean done = true;
            for (Map.Entry<String, String> e : progress.entrySet()) {
                if (e.getKey().endsWith("/" + read)) {
                    String partition = e.getKey().substring(0, e.getKey().indexOf('/'));
                    String cp = progress.get(partition + "/" + checkpointed);
                    done &= cp != null && Long.parseLong(cp, 16) == Long.parseLong(e.getValue(), 16) + 1;
                }
            }
            if (done) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the model of " + c.get("application.id") + " has not checkpointed all it read"
                        + " after " + MODEL_CATCH_UP.toSeconds() + " s: " + progress);
            }
            Thread.sleep(500);
        }
    }

    /** The application id of the instance that aggregates the co-occurrence counts. */
    private static String modelApp(HyperrecConfig c) {
        return c.modelInOwnApp() ? c.modelStreamsProperties().getProperty("application.id") : c.get("application.id");
    }

    private HyperrecConfig config(BrokerProcess broker, String registryUrl, Path dir, String name) {
        Map<String, Object> c = new HashMap<>();
        c.put("bootstrap.servers", broker.bootstrapServers());
        c.put("schema.registry.url", registryUrl);
        c.put("application.id", "hyperrec-" + name);
        c.put("state.dir", dir.resolve(name).resolve("state").toString());
        c.put(HyperrecConfig.TOPIC_PREFIX, name + ".");
        c.put(HyperrecConfig.BACKEND, "cpu");
        c.put(HyperrecConfig.EMBEDDING_DIM, 32);
        // lists, and the bandit impressions they record, depend on when item-to-item lists arrive:
        // none is published during the run, so the compared task state stays deterministic
        c.put(HyperrecConfig.NEIGHBOURS_PUBLISH_INTERVAL_MS, 3_600_000);
        c.put(HyperrecConfig.RECS_COALESCE, coalesce);
        c.putAll(overrides);
        return HyperrecConfig.of(c);
    }

    private void publish(BrokerProcess broker, HyperrecConfig c, DemoData data) throws IOException {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
            TopicSetup.ensure(admin, c.get(HyperrecConfig.TOPIC_PREFIX), partitions, (short) 1);
        }
        try (HttpSchemaRegistryClient client = HttpSchemaRegistryClient.fromConfig(c.serdeConfig())) {
            SchemaSetup.ensure(client, c);
        }
        Properties pp = dev.hyperrec.topology.Producers.ordered(broker.bootstrapServers());
        pp.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        try (KafkaProducer<String, CatalogItem> p = new KafkaProducer<>(pp, new StringSerializer(),
                AvroSerdes.forClass(CatalogItem.class, c.serdeConfig(), false).serializer())) {
            data.catalog().forEach(i -> p.send(new ProducerRecord<>(c.topic(Topics.CATALOG), i.getItemId(), i)));
        }
        try (KafkaProducer<String, InteractionEvent> p = new KafkaProducer<>(pp, new StringSerializer(),
                AvroSerdes.forClass(InteractionEvent.class, c.serdeConfig(), false).serializer())) {
            data.events().forEach(e -> p.send(new ProducerRecord<>(c.topic(Topics.INTERACTIONS), e.getUserId(), e)));
        }
    }

    /** The latest {@code generatedAt} among the lists the current {@link #awaitLists} has read (epoch ms). */
    private long newestGeneratedMs;

    /**
     * Reads the output (read_committed) until every triggering event is covered (each user's last one has its list),
     * then whatever else is committed within 3 quiet seconds (duplicates would show there); gives up after 3 minutes
     * without progress.
     */
    private ListCoverage awaitLists(BrokerProcess broker, HyperrecConfig c, DemoData data,
            java.util.function.LongConsumer onProgress) {
        var de = AvroSerdes.forClass(Recommendations.class, c.serdeConfig(), false).deserializer();
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        ListCoverage seen = new ListCoverage(data.events(), partitions);
        String topic = c.topic(Topics.RECOMMENDATIONS);
        newestGeneratedMs = 0;
        java.util.function.Consumer<Recommendations> accept = r -> {
            seen.accept(r);
            newestGeneratedMs = Math.max(newestGeneratedMs, r.getGeneratedAt().toEpochMilli());
        };
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> tps = consumer.partitionsFor(topic).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            long lastProgress = System.nanoTime();
            long lastCount = 0;
            while (!seen.complete()) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    accept.accept(de.deserialize(topic, r.value()));
                }
                if (onProgress != null) {
                    onProgress.accept(seen.covered());
                }
                if (seen.covered() != lastCount) {
                    lastCount = seen.covered();
                    lastProgress = System.nanoTime();
                } else if (System.nanoTime() - lastProgress > Duration.ofMinutes(3).toNanos()) {
                    System.out.println("chaos: no progress for 3 minutes at " + seen.covered() + "/" + seen.triggering());
                    break;
                }
            }
            long quiet = System.nanoTime();
            while (System.nanoTime() - quiet < Duration.ofSeconds(3).toNanos()) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    accept.accept(de.deserialize(topic, r.value()));
                    quiet = System.nanoTime();
                }
            }
        }
        return seen;
    }

    /** The committed final content of a changelog: "partition/key-hex" → value hex (tombstones removed). */
    static Map<String, String> changelog(BrokerProcess broker, String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        Map<String, String> out = new TreeMap<>();
        HexFormat hex = HexFormat.of();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> tps = new ArrayList<>();
            var infos = c.partitionsFor(topic);
            if (infos == null) {
                return out;
            }
            infos.forEach(i -> tps.add(new TopicPartition(topic, i.partition())));
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> end = c.endOffsets(tps);
            long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (System.nanoTime() < deadline && tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    String k = r.partition() + "/" + hex.formatHex(r.key());
                    if (r.value() == null) {
                        out.remove(k);
                    } else {
                        out.put(k, hex.formatHex(r.value()));
                    }
                }
            }
        }
        return out;
    }
}
