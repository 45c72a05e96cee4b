package dev.hyperrec.topology.examples;

import dev.hyperrec.avro.RecommendedItem;
import dev.hyperrec.avro.Recommendations;
import dev.hyperrec.schemas.AvroSerdes;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * A small consumer of hyperrec's output (docs/operations.md, "Consuming recommendations"): a plain
 * {@link KafkaConsumer} on the {@code recommendations} topic with the project's Serde
 * ({@link AvroSerdes}: Confluent wire format, writer schema fetched from the registry by id).
 *
 * <pre>
 * java -cp "topology/target/classes:$(cat topology/target/classpath.txt)" \
 *     dev.hyperrec.topology.examples.ConsumeRecommendations localhost:9092 http://localhost:8081 [group-id] [topic]
 * </pre>
 *
 * What a consumer needs to know:
 * <ul>
 *   <li>the key is the userId (a string); the topic is compacted, so after compaction only each user's
 *       latest list remains — a consumer that starts from the beginning gets every user's current list;</li>
 *   <li>the app writes lists in Kafka transactions (exactly_once_v2): read with
 *       {@code isolation.level=read_committed} so that lists of aborted transactions are never seen, and
 *       each {@code recommendationId} arrives once;</li>
 *   <li>a record that does not decode (not hyperrec's, or a schema the registry does not know) throws
 *       {@link RecordDeserializationException} from {@code poll}; this example logs and skips it.</li>
 * </ul>
 */
public final class ConsumeRecommendations {
    private ConsumeRecommendations() {
    }

    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: ConsumeRecommendations BOOTSTRAP_SERVERS SCHEMA_REGISTRY_URL [GROUP_ID] [TOPIC]");
            System.exit(2);
        }
        String group = args.length > 2 ? args[2] : "recommendations-example";
        String topic = args.length > 3 ? args[3] : "recommendations";
        Thread main = Thread.currentThread();
        Runtime.getRuntime().addShutdownHook(new Thread(main::interrupt));
        consume(args[0], args[1], group, topic, Long.MAX_VALUE, Duration.ofDays(365_000),
                recs -> System.out.println(format(recs)));
    }

    /**
     * Reads lists until {@code max} were handed to {@code handler} or {@code maxWait} passed, committing
     * offsets after each poll's lists were handled (at-least-once for the handler).
     *
     * @return the number of lists handled
     */
    public static long consume(String bootstrapServers, String registryUrl, String groupId, String topic, long max,
            Duration maxWait, Consumer<Recommendations> handler) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        // hyperrec's Serde; the same map takes basic.auth.user.info and schema.registry.ssl.* for a secured registry
        Deserializer<Recommendations> values = AvroSerdes.forClass(Recommendations.class,
                Map.of("schema.registry.url", registryUrl), false).deserializer();
        long handled = 0;
        long deadline = System.nanoTime() + Math.min(maxWait.toNanos(), Long.MAX_VALUE / 2);
        try (KafkaConsumer<String, Recommendations> consumer = new KafkaConsumer<>(p, new StringDeserializer(), values)) {
            consumer.subscribe(List.of(topic));
            while (handled < max && System.nanoTime() < deadline && !Thread.currentThread().isInterrupted()) {
                try {
                    for (ConsumerRecord<String, Recommendations> r : consumer.poll(Duration.ofMillis(500))) {
                        if (r.value() == null) {
                            continue; // a tombstone: the user's list was deleted
                        }
                        handler.accept(r.value());
                        handled++;
                    }
                    consumer.commitSync();
                } catch (RecordDeserializationException e) {
                    TopicPartition tp = e.topicPartition();
                    System.err.println("skipping undecodable record at " + tp + "@" + e.offset() + ": " + e.getCause());
                    consumer.seek(tp, e.offset() + 1);
                } catch (org.apache.kafka.common.errors.InterruptException e) {
                    break;
                }
            }
        }
        return handled;
    }

    /** One line per list: {@code user → item(reason) item(reason) …}. */
    public static String format(Recommendations recs) {
        StringBuilder sb = new StringBuilder(recs.getUserId()).append(" [").append(recs.getRecommendationId()).append("] →");
        for (RecommendedItem item : recs.getItems()) {
            sb.append(' ').append(item.getItemId()).append('(').append(item.getReason()).append(')');
        }
        return sb.toString();
    }
}
