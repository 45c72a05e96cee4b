package dev.hyperrec.topology.tools;

import dev.hyperrec.avro.CatalogItem;
import dev.hyperrec.avro.InteractionEvent;
import dev.hyperrec.avro.InteractionType;
import dev.hyperrec.avro.Recommendations;
import dev.hyperrec.schemas.AvroSerdes;
import dev.hyperrec.schemas.registry.HttpSchemaRegistryClient;
import dev.hyperrec.schemas.registry.LocalApicurioRegistry;
import dev.hyperrec.topology.DeadLetter;
import dev.hyperrec.topology.HyperrecApp;
import dev.hyperrec.topology.HyperrecConfig;
import dev.hyperrec.topology.HyperrecRuntime;
import dev.hyperrec.topology.TopicSetup;
import dev.hyperrec.topology.Topics;
import dev.hyperrec.topology.embedded.EmbeddedKafka;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KafkaStreams;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Feeds the running pipeline many kinds of malformed records interleaved with good ones and checks
 * that nothing crashes, every bad record lands in the dead-letter topic with the expected reason and
 * every good record is processed. Last line:
 * {@code fuzz: bad=<b> dlq=<q> good=<g> processed_good=<p> crashes=<c>}.
 */
@Command(name = "fuzz-input", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Fuzzes the pipeline's input with malformed records between good ones.")
public final class FuzzInput implements Callable<Integer> {

    /** The kinds of bad record, each with the dead-letter reason it must get. */
    public enum Kind {
        RANDOM_BYTES(DeadLetter.BAD_MAGIC_BYTE),
        WRONG_MAGIC_BYTE(DeadLetter.BAD_MAGIC_BYTE),
        TOO_SHORT(DeadLetter.TOO_SHORT),
        EMPTY_VALUE(DeadLetter.EMPTY),
        NULL_VALUE(DeadLetter.EMPTY),
        TRUNCATED_AVRO(DeadLetter.MALFORMED_AVRO),
        UNKNOWN_SCHEMA_ID(DeadLetter.UNKNOWN_SCHEMA_ID),
        INCOMPATIBLE_SCHEMA(DeadLetter.MALFORMED_AVRO),
        NAN_VALUE(DeadLetter.NON_FINITE_VALUE),
        INFINITE_VALUE(DeadLetter.NON_FINITE_VALUE),
        HUGE_VALUE(DeadLetter.VALUE_OUT_OF_RANGE),
        NULL_KEY(DeadLetter.MISSING_KEY),
        EMPTY_KEY(DeadLetter.MISSING_KEY),
        KEY_MISMATCH(DeadLetter.KEY_MISMATCH),
        EMPTY_USER_ID(DeadLetter.INVALID_FIELD),
        UNKNOWN_ITEM(DeadLetter.UNKNOWN_ITEM),
        FAR_FUTURE_TIMESTAMP(DeadLetter.TIMESTAMP_OUT_OF_RANGE),
        FAR_PAST_TIMESTAMP(DeadLetter.TIMESTAMP_OUT_OF_RANGE),
        OVERSIZE_VALUE(DeadLetter.OVERSIZE);

        public final DeadLetter expected;

        Kind(DeadLetter expected) {
            this.expected = expected;
        }
    }

    /** What one fuzz run produced and observed. */
    public record Result(int bad, int dlq, int good, int processedGood, int crashes, Map<Kind, Integer> badByKind,
            Map<String, Integer> dlqByReason, int wrongReasons) {
        public String line() {
            return "fuzz: bad=" + bad + " dlq=" + dlq + " good=" + good + " processed_good=" + processedGood
                    + " crashes=" + crashes;
        }
    }

    @Option(names = "--bad", defaultValue = "100000", description = "malformed records (default: ${DEFAULT-VALUE})")
    int bad;
    @Option(names = "--good", defaultValue = "10000", description = "good records, all clicks (default: ${DEFAULT-VALUE})")
    int good;
    @Option(names = "--oversize", defaultValue = "2", description = "10 MB records among the bad ones (default: ${DEFAULT-VALUE})")
    int oversize;
    @Option(names = "--seed", defaultValue = "7", description = "seed (default: ${DEFAULT-VALUE})")
    long seed;
    @Option(names = "--bootstrap-servers", description = "an existing cluster (default: an in-JVM KRaft broker)")
    String bootstrapServers;
    @Option(names = "--schema-registry-url", description = "an existing registry (default: start Apicurio)")
    String registryUrl;

    public static void main(String[] args) {
        System.exit(new CommandLine(new FuzzInput()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        EmbeddedKafka kafka = null;
        LocalApicurioRegistry registry = null;
        try {
            String bootstrap = bootstrapServers;
            if (bootstrap == null) {
                kafka = EmbeddedKafka.start();
                bootstrap = kafka.bootstrapServers();
            }
            String url = registryUrl;
            if (url == null) {
                registry = LocalApicurioRegistry.start(LocalApicurioRegistry.locate());
                url = registry.ccompatUrl();
            }
            Result r = run(bootstrap, url, "fuzz" + Long.toString(System.currentTimeMillis(), 36) + ".", bad, good,
                    oversize, seed, System.out);
            System.out.println("fuzz: dead letters by reason " + r.dlqByReason() + "; records with an unexpected reason: "
                    + r.wrongReasons());
            System.out.println(r.line());
            return r.crashes() == 0 && r.dlq() == r.bad() && r.processedGood() == r.good() && r.wrongReasons() == 0 ? 0 : 1;
        } finally {
            if (registry != null) {
                registry.close();
            }
            if (kafka != null) {
                kafka.close();
            }
        }
    }

    /** One fuzz run against a cluster and a registry, on topics under {@code prefix}. */
    public static Result run(String bootstrap, String registryUrl, String prefix, int bad, int good, int oversize,
            long seed, PrintStream log) throws Exception {
        int dim = 8;
        Map<String, Object> cfg = new HashMap<>();
        cfg.put("bootstrap.servers", bootstrap);
        cfg.put("schema.registry.url", registryUrl);
        cfg.put("application.id", "hyperrec-" + prefix.replace(".", ""));
        cfg.put("state.dir", Files.createTempDirectory("hyperrec-fuzz-").toString());
        cfg.put(HyperrecConfig.TOPIC_PREFIX, prefix);
        cfg.put(HyperrecConfig.EMBEDDING_DIM, dim);
        cfg.put(HyperrecConfig.BACKEND, "cpu");
        HyperrecConfig config = HyperrecConfig.of(cfg);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            TopicSetup.ensure(admin, prefix, 2, (short) 1);
        }
        Map<String, Object> serdeConfig = config.serdeConfig();
        String topic = config.topic(Topics.INTERACTIONS);
        Serializer<InteractionEvent> events = AvroSerdes.forClass(InteractionEvent.class, serdeConfig, false).serializer();
        Serializer<CatalogItem> items = AvroSerdes.forClass(CatalogItem.class, serdeConfig, false).serializer();
        int incompatibleId;
        try (HttpSchemaRegistryClient client = HttpSchemaRegistryClient.fromConfig(serdeConfig)) {
            Schema other = SchemaBuilder.record("Unrelated").namespace("dev.hyperrec.fuzz").fields()
                    .requiredInt("a").requiredBoolean("b").endRecord();
            incompatibleId = client.register(prefix + "unrelated-value", other);
        }

        Properties pp = new Properties();
        pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        pp.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(TopicSetup.MAX_MESSAGE_BYTES));
        pp.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        int catalogSize = 50;
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(pp, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < catalogSize; i++) {
                float[] v = new float[dim];
                v[i % dim] = 1f;
                List<Float> emb = new ArrayList<>();
                for (float f : v) {
                    emb.add(f);
                }
                CatalogItem item = CatalogItem.newBuilder().setItemId("i" + i).setEmbedding(emb).setDimension(dim)
                        .setCategories(List.of()).setPublishedAt(Instant.EPOCH).setActive(true).build();
                p.send(new ProducerRecord<>(config.topic(Topics.CATALOG), bytes(item.getItemId()),
                        items.serialize(config.topic(Topics.CATALOG), item)));
            }
        }

        AtomicInteger crashes = new AtomicInteger();
        Map<Kind, Integer> badByKind = new EnumMap<>(Kind.class);
        Set<String> goodIds = new HashSet<>();
        try (HyperrecRuntime runtime = HyperrecRuntime.create(config)) {
            KafkaStreams streams = HyperrecApp.start(runtime);
            try {
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (streams.state() != KafkaStreams.State.RUNNING && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                SplittableRandom rnd = new SplittableRandom(seed);
                Kind[] kinds = Kind.values();
                long now = System.currentTimeMillis();
                int total = bad + good;
                int badSent = 0;
                int goodSent = 0;
                int oversizeLeft = oversize;
                try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(pp, new ByteArraySerializer(), new ByteArraySerializer())) {
                    for (int n = 0; n < total; n++) {
                        boolean sendGood = goodSent < good && (badSent >= bad || rnd.nextInt(total) < good);
                        String user = "u" + rnd.nextInt(500);
                        InteractionEvent ok = InteractionEvent.newBuilder().setEventId("g" + n).setUserId(user)
                                .setItemId("i" + rnd.nextInt(catalogSize)).setType(InteractionType.CLICK).setValue(1f)
                                .setTimestamp(Instant.ofEpochMilli(now - 1000)).setContext(null).setRecommendationId(null).build();
                        if (sendGood) {
                            p.send(new ProducerRecord<>(topic, null, now, bytes(user), events.serialize(topic, ok)));
                            goodIds.add("evt:" + ok.getEventId());
                            goodSent++;
                            continue;
                        }
                        Kind kind;
                        if (oversizeLeft > 0 && rnd.nextInt(Math.max(1, bad / Math.max(1, oversize))) == 0) {
                            kind = Kind.OVERSIZE_VALUE;
                            oversizeLeft--;
                        } else {
                            do {
                                kind = kinds[rnd.nextInt(kinds.length)];
                            } while (kind == Kind.OVERSIZE_VALUE);
                        }
                        ok.setEventId("b" + n);
                        byte[] key = bytes(user);
                        byte[] value = malformed(kind, ok, topic, events, incompatibleId, rnd, now);
                        if (kind == Kind.NULL_KEY) {
                            key = null;
                        } else if (kind == Kind.EMPTY_KEY) {
                            key = new byte[0];
                        }
                        p.send(new ProducerRecord<>(topic, null, now, key, value));
                        badByKind.merge(kind, 1, Integer::sum);
                        badSent++;
                    }
                    p.flush();
                }
                log.printf("fuzz: sent %d bad and %d good records%n", badSent, goodSent);
                var recsDe = AvroSerdes.forClass(Recommendations.class, serdeConfig, false).deserializer();
                Map<String, Integer> processed = new HashMap<>();
                readUntil(bootstrap, config.topic(Topics.RECOMMENDATIONS), r -> {
                    String id = recsDe.deserialize(config.topic(Topics.RECOMMENDATIONS), r.value()).getRecommendationId();
                    if (goodIds.contains(id)) {
                        processed.merge(id, 1, Integer::sum);
                    }
                }, () -> processed.size() >= goodIds.size(), Duration.ofMinutes(10));
                Map<String, Integer> byReason = new HashMap<>();
                int[] dlq = {0};
                int[] wrong = {0};
                readUntil(bootstrap, config.topic(Topics.INTERACTIONS_DLQ), r -> {
                    dlq[0]++;
                    var h = r.headers().lastHeader(DeadLetter.HEADER_REASON);
                    String reason = h == null ? "none" : new String(h.value(), StandardCharsets.UTF_8);
                    byReason.merge(reason, 1, Integer::sum);
                }, () -> dlq[0] >= bad, Duration.ofMinutes(5));
                // every bad kind maps to one reason: the per-reason counts must equal the per-kind counts
                Map<String, Integer> expectedByReason = new HashMap<>();
                badByKind.forEach((k, c) -> expectedByReason.merge(k.expected.name(), c, Integer::sum));
                for (var e : expectedByReason.entrySet()) {
                    wrong[0] += Math.abs(e.getValue() - byReason.getOrDefault(e.getKey(), 0));
                }
                for (var e : byReason.entrySet()) {
                    if (!expectedByReason.containsKey(e.getKey())) {
                        wrong[0] += e.getValue();
                    }
                }
                crashes.addAndGet((int) runtime.threadFailures());
                if (streams.state() == KafkaStreams.State.ERROR || streams.state() == KafkaStreams.State.NOT_RUNNING) {
                    crashes.incrementAndGet();
                }
                return new Result(badSent, dlq[0], goodSent, processed.size(), crashes.get(), badByKind, byReason, wrong[0]);
            } finally {
                HyperrecApp.stop(streams, Duration.ofSeconds(30));
            }
        }
    }

    private static byte[] malformed(Kind kind, InteractionEvent ok, String topic, Serializer<InteractionEvent> events,
            int incompatibleId, SplittableRandom rnd, long now) {
        byte[] good = events.serialize(topic, ok);
        switch (kind) {
            case RANDOM_BYTES -> {
                byte[] b = new byte[5 + rnd.nextInt(200)];
                for (int i = 0; i < b.length; i++) {
                    b[i] = (byte) rnd.nextInt(256);
                }
                b[0] = (byte) (1 + rnd.nextInt(255));
                return b;
            }
            case WRONG_MAGIC_BYTE -> {
                good[0] = (byte) (1 + rnd.nextInt(255));
                return good;
            }
            case TOO_SHORT -> {
                byte[] b = new byte[1 + rnd.nextInt(4)];
                return b;
            }
            case EMPTY_VALUE -> {
                return new byte[0];
            }
            case NULL_VALUE -> {
                return null;
            }
            case TRUNCATED_AVRO -> {
                return java.util.Arrays.copyOf(good, 5 + rnd.nextInt(Math.max(1, Math.min(8, good.length - 5))));
            }
            case UNKNOWN_SCHEMA_ID -> {
                ByteBuffer.wrap(good).put(0, (byte) 0).putInt(1, 1_900_000_000 + rnd.nextInt(100_000));
                return good;
            }
            case INCOMPATIBLE_SCHEMA -> {
                // an id the registry knows, but for an unrelated record: the body cannot resolve
                ByteBuffer.wrap(good).putInt(1, incompatibleId);
                return good;
            }
            case NAN_VALUE -> {
                ok.setValue(Float.NaN);
                return events.serialize(topic, ok);
            }
            case INFINITE_VALUE -> {
                ok.setValue(rnd.nextBoolean() ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY);
                return events.serialize(topic, ok);
            }
            case HUGE_VALUE -> {
                ok.setValue(rnd.nextBoolean() ? 3.0e30f : -7.5e20f);
                return events.serialize(topic, ok);
            }
            case NULL_KEY, EMPTY_KEY -> {
                return good;
            }
            case KEY_MISMATCH -> {
                ok.setUserId("someone-else");
                return events.serialize(topic, ok);
            }
            case EMPTY_USER_ID -> {
                ok.setUserId("");
                return events.serialize(topic, ok);
            }
            case UNKNOWN_ITEM -> {
                ok.setItemId("no-such-item-" + rnd.nextInt(1000));
                return events.serialize(topic, ok);
            }
            case FAR_FUTURE_TIMESTAMP -> {
                ok.setTimestamp(Instant.ofEpochMilli(now + 400L * 24 * 3600 * 1000));
                return events.serialize(topic, ok);
            }
            case FAR_PAST_TIMESTAMP -> {
                ok.setTimestamp(Instant.ofEpochMilli(-30_000_000_000_000L));
                return events.serialize(topic, ok);
            }
            case OVERSIZE_VALUE -> {
                byte[] b = new byte[10 * 1024 * 1024];
                System.arraycopy(good, 0, b, 0, good.length);
                return b;
            }
            default -> throw new IllegalStateException(kind.name());
        }
    }

    private static void readUntil(String bootstrap, String topic,
            java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> each, java.util.function.BooleanSupplier done,
            Duration timeout) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> tps = c.partitionsFor(topic).stream().map(i -> new TopicPartition(topic, i.partition())).toList();
            c.assign(tps);
            c.seekToBeginning(tps);
            long deadline = System.nanoTime() + timeout.toNanos();
            long quietSince = System.nanoTime();
            while (!done.getAsBoolean() && System.nanoTime() < deadline) {
                var records = c.poll(Duration.ofMillis(200));
                if (!records.isEmpty()) {
                    quietSince = System.nanoTime();
                } else if (System.nanoTime() - quietSince > Duration.ofSeconds(60).toNanos()) {
                    return;
                }
                records.forEach(each);
            }
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
