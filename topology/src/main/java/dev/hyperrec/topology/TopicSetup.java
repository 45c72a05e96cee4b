package dev.hyperrec.topology;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;

/**
 * Creates hyperrec's topics with the right partitions and configs (docs/topics.md), leaving
 * existing ones as they are. Interactions, requests and recommendations share one partition count
 * (they are co-partitioned by userId); the catalog has one partition so that every instance sees
 * items in one order.
 */
public final class TopicSetup {
    /**
     * {@code max.message.bytes} of the interactions, requests and DLQ topics: large enough that an
     * oversize record reaches the app and is dead-lettered whole instead of failing its producer.
     */
    public static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

    private TopicSetup() {
    }

    public static List<NewTopic> topics(String prefix, int partitions, short replication) {
        List<NewTopic> t = new ArrayList<>();
        Map<String, String> large = Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(MAX_MESSAGE_BYTES));
        t.add(new NewTopic(prefix + Topics.INTERACTIONS, partitions, replication).configs(large));
        t.add(new NewTopic(prefix + Topics.REQUESTS, partitions, replication).configs(large));
        t.add(new NewTopic(prefix + Topics.CATALOG, 1, replication).configs(Map.of(
                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
        t.add(new NewTopic(prefix + Topics.RECOMMENDATIONS, partitions, replication).configs(Map.of(
                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
        t.add(new NewTopic(prefix + Topics.INTERACTIONS_DLQ, partitions, replication).configs(Map.of(
                TopicConfig.RETENTION_MS_CONFIG, Long.toString(14L * 24 * 3600 * 1000),
                TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(MAX_MESSAGE_BYTES))));
        return t;
    }

    /**
     * Waits until every partition of {@code topics} has a leader. Producing into a partition whose
     * leader the broker has not yet taken up fails with NOT_LEADER_OR_FOLLOWER, and an idempotent
     * producer's retries of the batches behind it were seen to loop on OUT_OF_ORDER_SEQUENCE_NUMBER
     * (Kafka 4.3, transactions v2), so topic creation finishes only when the partitions are led.
     */
    static void awaitLeaders(Admin admin, List<String> topics) throws InterruptedException, ExecutionException {
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(60).toNanos();
        while (true) {
            boolean led;
            try {
                led = admin.describeTopics(topics).allTopicNames().get().values().stream()
                        .flatMap(d -> d.partitions().stream())
                        .allMatch(p -> p.leader() != null && p.leader().id() >= 0);
            } catch (ExecutionException e) {
                led = false; // not visible in the metadata yet
            }
            if (led) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("partitions of " + topics + " have no leader after 60 s");
            }
            Thread.sleep(50);
        }
    }

    /** Creates the missing topics and waits until their partitions have leaders; returns the names it created. */
    public static Set<String> ensure(Admin admin, String prefix, int partitions, short replication) {
        try {
            Set<String> existing = admin.listTopics().names().get();
            List<NewTopic> missing = topics(prefix, partitions, replication).stream()
                    .filter(t -> !existing.contains(t.name())).toList();
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get();
                awaitLeaders(admin, missing.stream().map(NewTopic::name).toList());
            }
            return Set.copyOf(missing.stream().map(NewTopic::name).toList());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("creating topics failed: " + e.getCause(), e.getCause());
        }
    }
}
