package dev.hyperrec.topology.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperrec.avro.CatalogItem;
import dev.hyperrec.avro.InteractionEvent;
import dev.hyperrec.avro.Recommendations;
import dev.hyperrec.schemas.AvroSerdes;
import dev.hyperrec.topology.Fixtures;
import dev.hyperrec.topology.HyperrecApp;
import dev.hyperrec.topology.HyperrecConfig;
import dev.hyperrec.topology.HyperrecRuntime;
import dev.hyperrec.topology.TopicSetup;
import dev.hyperrec.topology.Topics;
import dev.hyperrec.topology.embedded.BrokerProcess;
import dev.hyperrec.topology.engine.EventWeights;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The broker process is stopped and restarted mid-stream; the app recovers by itself and nothing is
 * lost or applied twice.
 */
@ExtendWith(KafkaInfra.class)
class BrokerRestartIT {

    @Test
    void theAppRecoversFromABrokerRestartWithoutLosingOrDuplicatingLists(KafkaInfra.Infra infra) throws Exception {
        try (BrokerProcess broker = BrokerProcess.create(Files.createTempDirectory("hyperrec-broker-"), Map.of())) {
            KafkaInfra.Infra own = ItSupport.withBroker(infra, broker.bootstrapServers(), "process");
            HyperrecConfig config = ItSupport.config(own, "brokerrestart.", Map.of(HyperrecConfig.EMBEDDING_DIM, 8,
                    HyperrecConfig.BATCH_MAX_EVENTS, 32));
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
                TopicSetup.ensure(admin, "brokerrestart.", 2, (short) 1);
                // the broker took BrokerProcess's transactional retry backoff (the default is 20 ms)
                var node = new org.apache.kafka.common.config.ConfigResource(org.apache.kafka.common.config.ConfigResource.Type.BROKER,
                        Integer.toString(admin.describeCluster().nodes().get().iterator().next().id()));
                var configs = admin.describeConfigs(List.of(node)).all().get().get(node);
                org.assertj.core.api.Assertions.assertThat(configs.get(BrokerProcess.ADD_PARTITIONS_RETRY_BACKOFF).value())
                        .isEqualTo(BrokerProcess.ADD_PARTITIONS_RETRY_BACKOFF_MS);
                // and how long it keeps retrying before the produce fails (the default is 100 ms)
                org.assertj.core.api.Assertions.assertThat(configs.get(BrokerProcess.ADD_PARTITIONS_RETRY_MAX).value())
                        .isEqualTo(BrokerProcess.ADD_PARTITIONS_RETRY_MAX_MS);
            }
            List<InteractionEvent> events = Fixtures.randomStream(1200, 30, 40, 21);
            long triggering = events.stream().filter(e -> EventWeights.triggers(e.getType())).count();
            Properties pp = ItSupport.producerProps(broker.bootstrapServers());
            pp.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "120000");
            var cs = AvroSerdes.forClass(CatalogItem.class, config.serdeConfig(), false).serializer();
            var es = AvroSerdes.forClass(InteractionEvent.class, config.serdeConfig(), false).serializer();
            try (KafkaProducer<String, CatalogItem> p = new KafkaProducer<>(pp, new StringSerializer(), cs)) {
                for (int i = 0; i < 40; i++) {
                    CatalogItem item = Fixtures.axisItem(i);
                    p.send(new ProducerRecord<>(config.topic(Topics.CATALOG), item.getItemId(), item));
                }
            }
            var de = AvroSerdes.forClass(Recommendations.class, config.serdeConfig(), false).deserializer();
            try (HyperrecRuntime runtime = HyperrecRuntime.create(config)) {
                KafkaStreams streams = HyperrecApp.start(runtime);
                try {
                    ItSupport.awaitRunning(streams);
                    send(pp, es, config, events.subList(0, 600));
                    long firstHalf = events.subList(0, 600).stream().filter(e -> EventWeights.triggers(e.getType())).count();
                    // the broker stops mid-stream only if half the first lists are out by then
                    assertThat(ItSupport.readUntil(broker.bootstrapServers(), config.topic(Topics.RECOMMENDATIONS),
                            new StringDeserializer(), de, l -> l.size() >= firstHalf / 2, Duration.ofSeconds(90)))
                            .hasSizeGreaterThanOrEqualTo((int) (firstHalf / 2));

                    broker.stop();
                    Thread.sleep(3000);
                    broker.start();

                    send(pp, es, config, events.subList(600, events.size()));
                    List<ConsumerRecord<String, Recommendations>> lists = ItSupport.readUntil(broker.bootstrapServers(),
                            config.topic(Topics.RECOMMENDATIONS), new StringDeserializer(), de,
                            l -> l.size() >= triggering, Duration.ofMinutes(3));
                    Thread.sleep(1000);
                    Map<String, Long> perId = lists.stream().collect(Collectors.groupingBy(
                            r -> r.value().getRecommendationId(), TreeMap::new, Collectors.counting()));
                    assertThat(perId).hasSize((int) triggering);
                    assertThat(perId.values()).allMatch(c -> c == 1L);
                    assertThat(streams.state()).isEqualTo(KafkaStreams.State.RUNNING);
                    assertThat(runtime.threadFailures()).as("stream threads that died").isZero();
                } finally {
                    HyperrecApp.stop(streams, Duration.ofSeconds(30));
                }
            }
        }
    }

    private static void send(Properties pp, org.apache.kafka.common.serialization.Serializer<InteractionEvent> es,
            HyperrecConfig config, List<InteractionEvent> events) {
        try (KafkaProducer<String, InteractionEvent> p = new KafkaProducer<>(pp, new StringSerializer(), es)) {
            for (InteractionEvent e : events) {
                p.send(new ProducerRecord<>(config.topic(Topics.INTERACTIONS), e.getUserId(), e));
            }
        }
    }
}
