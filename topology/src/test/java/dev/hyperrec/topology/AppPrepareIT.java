package dev.hyperrec.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperrec.schemas.registry.HttpSchemaRegistryClient;
import dev.hyperrec.schemas.registry.TopicNameStrategy;
import dev.hyperrec.topology.it.KafkaInfra;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code hyperrec.topics.create=true}: the app creates its topics and registers its schemas itself. */
@ExtendWith(KafkaInfra.class)
class AppPrepareIT {

    @Test
    void createsTopicsWithTheirConfigsAndRegistersBackwardSubjects(KafkaInfra.Infra infra) throws Exception {
        HyperrecConfig config = HyperrecConfig.of(Map.of("bootstrap.servers", infra.bootstrapServers(),
                "schema.registry.url", infra.registryUrl(), HyperrecConfig.TOPIC_PREFIX, "prep.",
                HyperrecConfig.TOPICS_CREATE, "true", HyperrecConfig.TOPICS_PARTITIONS, "3"));
        HyperrecApp.prepare(config);
        HyperrecApp.prepare(config); // idempotent
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", infra.bootstrapServers()))) {
            var topics = admin.describeTopics(List.of("prep.interactions", "prep.catalog", "prep.recommendations"))
                    .allTopicNames().get();
            assertThat(topics.get("prep.interactions").partitions()).hasSize(3);
            assertThat(topics.get("prep.catalog").partitions()).hasSize(1);
            var cfg = admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC, "prep.recommendations")))
                    .all().get().values().iterator().next();
            assertThat(cfg.get(TopicConfig.CLEANUP_POLICY_CONFIG).value()).isEqualTo("compact");
        }
        try (HttpSchemaRegistryClient registry = HttpSchemaRegistryClient.fromConfig(config.serdeConfig())) {
            assertThat(registry.getCompatibility(TopicNameStrategy.valueSubject("prep.interactions")))
                    .hasValueSatisfying(level -> assertThat(level).isEqualToIgnoringCase("BACKWARD"));
        }
    }
}
