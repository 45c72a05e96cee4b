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
 * items in one order. The item-to-item model's topics ({@code item-cooccurrence}, keyed by item, and
 * the compacted {@code item-neighbours}) get the same partition count.
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
        t.add(new NewTopic(prefix + Topics.ITEM_COOCCURRENCE, partitions, replication).configs(Map.of(
                TopicConfig.RETENTION_MS_CONFIG, Long.toString(7L * 24 * 3600 * 1000))));
        t.add(new NewTopic(prefix + Topics.ITEM_NEIGHBOURS, partitions, replication).configs(Map.of(
                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
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

    /**
     * Checks existing topics against {@link #topics}: each exists; the catalog has one partition; the
     * user-keyed topics (interactions, requests, recommendations, DLQ) have {@code partitions}
     * partitions, so they stay co-partitioned, and so do the item-keyed ones (the co-occurrence counts
     * are partitioned like {@code item-cooccurrence}); every partition has {@code replication} replicas;
     * {@code cleanup.policy} is as created (compact for the catalog, recommendations and item-neighbours); and
     * {@code max.message.bytes} is at least what was created. Retention and other settings are the
     * operator's to change.
     *
     * @return one line per problem, naming the topic, the setting, the expected and the found value;
     *         empty when everything is right
     */
    public static List<String> verify(Admin admin, String prefix, int partitions, short replication) {
        List<NewTopic> expected = topics(prefix, partitions, replication);
        List<String> problems = new ArrayList<>();
        try {
            Set<String> existing = admin.listTopics().names().get();
            List<String> present = expected.stream().map(NewTopic::name).filter(existing::contains).toList();
            for (NewTopic t : expected) {
                if (!existing.contains(t.name())) {
                    problems.add(t.name() + ": missing");
                }
            }
            if (present.isEmpty()) {
                return problems;
            }
            Map<String, org.apache.kafka.clients.admin.TopicDescription> described = admin.describeTopics(present).allTopicNames().get();
            List<org.apache.kafka.common.config.ConfigResource> resources = present.stream()
                    .map(n -> new org.apache.kafka.common.config.ConfigResource(org.apache.kafka.common.config.ConfigResource.Type.TOPIC, n))
                    .toList();
            Map<org.apache.kafka.common.config.ConfigResource, org.apache.kafka.clients.admin.Config> configs =
                    admin.describeConfigs(resources).all().get();
            for (NewTopic t : expected) {
                var d = described.get(t.name());
                if (d == null) {
                    continue;
                }
                if (d.partitions().size() != t.numPartitions()) {
                    problems.add(t.name() + ": partitions expected " + t.numPartitions() + ", found " + d.partitions().size()
                            + (t.numPartitions() == 1 ? " (every instance must see catalog items in one order)"
                                    : t.name().endsWith(Topics.ITEM_COOCCURRENCE) || t.name().endsWith(Topics.ITEM_NEIGHBOURS)
                                            ? " (the co-occurrence counts are partitioned like it)"
                                            : " (user-keyed topics must be co-partitioned)"));
                }
                for (var p : d.partitions()) {
                    if (p.replicas().size() != t.replicationFactor()) {
                        problems.add(t.name() + ": partition " + p.partition() + " replication expected " + t.replicationFactor()
                                + ", found " + p.replicas().size());
                        break;
                    }
                }
                var cfg = configs.get(new org.apache.kafka.common.config.ConfigResource(
                        org.apache.kafka.common.config.ConfigResource.Type.TOPIC, t.name()));
                String policy = t.configs().getOrDefault(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE);
                var found = cfg.get(TopicConfig.CLEANUP_POLICY_CONFIG);
                if (found == null || !policy.equals(found.value())) {
                    problems.add(t.name() + ": " + TopicConfig.CLEANUP_POLICY_CONFIG + " expected " + policy + ", found "
                            + (found == null ? "(unset)" : found.value()));
                }
                String minBytes = t.configs().get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
                var bytes = cfg.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
                if (minBytes != null && (bytes == null || Long.parseLong(bytes.value()) < Long.parseLong(minBytes))) {
                    problems.add(t.name() + ": " + TopicConfig.MAX_MESSAGE_BYTES_CONFIG + " expected at least " + minBytes
                            + ", found " + (bytes == null ? "(unset)" : bytes.value()));
                }
            }
            return problems;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while verifying topics", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("verifying topics failed: " + e.getCause(), e.getCause());
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
