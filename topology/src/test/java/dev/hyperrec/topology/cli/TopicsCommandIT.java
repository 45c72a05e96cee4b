package dev.hyperrec.topology.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperrec.topology.Topics;
import dev.hyperrec.topology.TopicSetup;
import dev.hyperrec.topology.it.KafkaInfra;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code hyperrec topics create|verify} against a real broker, configured from all three sources. */
@ExtendWith(KafkaInfra.class)
class TopicsCommandIT {

    private static String[] run(Map<String, String> env, String... args) {
        CommandLine cl = HyperrecCli.commandLine(env);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int rc = cl.execute(args);
        return new String[] {Integer.toString(rc), out.toString(), err.toString()};
    }

    @Test
    void createsTopicsWithTheirPartitionsAndConfigsThenVerifiesThem(KafkaInfra.Infra infra, @TempDir Path dir) throws Exception {
        // the cluster comes from the environment, the partition count from the file, the prefix from a flag
        Path file = dir.resolve("topics.properties");
        Files.writeString(file, "hyperrec.topics.partitions=3\nhyperrec.topic.prefix=ignored.\n");
        Map<String, String> env = Map.of("HYPERREC_BOOTSTRAP_SERVERS", infra.bootstrapServers());
        String[] created = run(env, "topics", "create", "--config", file.toString(), "--topic-prefix", "clitopics.");
        assertThat(created[0]).as(created[1] + created[2]).isEqualTo("0");
        assertThat(created[1]).contains("created  clitopics.interactions").contains("created  clitopics.catalog")
                .endsWith("topics: created=7 existing=0 problems=0\n");

        try (Admin admin = Admin.create(Map.of("bootstrap.servers", infra.bootstrapServers()))) {
            List<String> names = Topics.ALL.stream().map(t -> "clitopics." + t).toList();
            var described = admin.describeTopics(names).allTopicNames().get();
            assertThat(described.get("clitopics.interactions").partitions()).hasSize(3);
            assertThat(described.get("clitopics.recommendation-requests").partitions()).hasSize(3);
            assertThat(described.get("clitopics.recommendations").partitions()).hasSize(3);
            assertThat(described.get("clitopics.interactions-dlq").partitions()).hasSize(3);
            assertThat(described.get("clitopics.catalog").partitions()).hasSize(1);
            assertThat(described.get("clitopics.item-cooccurrence").partitions()).hasSize(3);
            assertThat(described.get("clitopics.item-neighbours").partitions()).hasSize(3);
            var configs = admin.describeConfigs(names.stream()
                    .map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList()).all().get();
            assertThat(configs.get(new ConfigResource(ConfigResource.Type.TOPIC, "clitopics.recommendations"))
                    .get(TopicConfig.CLEANUP_POLICY_CONFIG).value()).isEqualTo("compact");
            assertThat(configs.get(new ConfigResource(ConfigResource.Type.TOPIC, "clitopics.catalog"))
                    .get(TopicConfig.CLEANUP_POLICY_CONFIG).value()).isEqualTo("compact");
            assertThat(configs.get(new ConfigResource(ConfigResource.Type.TOPIC, "clitopics.item-neighbours"))
                    .get(TopicConfig.CLEANUP_POLICY_CONFIG).value()).isEqualTo("compact");
            assertThat(configs.get(new ConfigResource(ConfigResource.Type.TOPIC, "clitopics.interactions"))
                    .get(TopicConfig.CLEANUP_POLICY_CONFIG).value()).isEqualTo("delete");
            assertThat(configs.get(new ConfigResource(ConfigResource.Type.TOPIC, "clitopics.interactions"))
                    .get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG).value()).isEqualTo(Integer.toString(TopicSetup.MAX_MESSAGE_BYTES));
        }

        // idempotent; verify agrees
        String[] again = run(env, "topics", "create", "--config", file.toString(), "--topic-prefix", "clitopics.");
        assertThat(again[0]).isEqualTo("0");
        assertThat(again[1]).contains("exists   clitopics.recommendations").endsWith("topics: created=0 existing=7 problems=0\n");
        String[] verified = run(env, "topics", "verify", "--config", file.toString(), "--topic-prefix", "clitopics.");
        assertThat(verified[0]).isEqualTo("0");
        assertThat(verified[1]).isEqualTo("topics: verified=7 problems=0\n");

        // a flag beats the file: 6 partitions expected now, so every user-keyed topic is reported
        String[] wrongCount = run(env, "topics", "verify", "--config", file.toString(), "--topic-prefix", "clitopics.",
                "--partitions", "6");
        assertThat(wrongCount[0]).isEqualTo("1");
        assertThat(wrongCount[1]).contains("problem: clitopics.interactions: partitions expected 6, found 3")
                .contains("problem: clitopics.recommendations: partitions expected 6, found 3")
                .contains("problem: clitopics.item-cooccurrence: partitions expected 6, found 3"
                        + " (the co-occurrence counts are partitioned like it)")
                .doesNotContain("clitopics.catalog:")
                .endsWith("topics: verified=7 problems=6\n");
    }

    @Test
    void verifyReportsMissingTopicsAndWrongConfigs(KafkaInfra.Infra infra) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", infra.bootstrapServers()))) {
            // a catalog someone created by hand: two partitions and no compaction; no other topic
            admin.createTopics(List.of(new NewTopic("clibad.catalog", 2, (short) 1))).all().get();
        }
        String[] r = run(Map.of(), "topics", "verify", "--bootstrap-servers", infra.bootstrapServers(),
                "--topic-prefix", "clibad.", "--partitions", "2");
        assertThat(r[0]).isEqualTo("1");
        assertThat(r[1]).contains("problem: clibad.interactions: missing")
                .contains("problem: clibad.recommendations: missing")
                .contains("problem: clibad.catalog: partitions expected 1, found 2")
                .contains("problem: clibad.catalog: cleanup.policy expected compact, found delete")
                .contains("problem: clibad.item-neighbours: missing")
                .endsWith("topics: verified=7 problems=8\n");
        // create adds what is missing but leaves the hand-made catalog as it is, and says so
        String[] c = run(Map.of(), "topics", "create", "--bootstrap-servers", infra.bootstrapServers(),
                "--topic-prefix", "clibad.", "--partitions", "2");
        assertThat(c[0]).isEqualTo("1");
        assertThat(c[1]).contains("exists   clibad.catalog").contains("created  clibad.interactions")
                .endsWith("topics: created=6 existing=1 problems=2\n");
    }
}
