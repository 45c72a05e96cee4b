package dev.hyperrec.topology.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hyperrec.avro.CatalogItem;
import dev.hyperrec.avro.InteractionEvent;
import dev.hyperrec.avro.InteractionType;
import dev.hyperrec.avro.Recommendations;
import dev.hyperrec.schemas.AvroSerdes;
import dev.hyperrec.topology.Fixtures;
import dev.hyperrec.topology.HyperrecApp;
import dev.hyperrec.topology.HyperrecConfig;
import dev.hyperrec.topology.HyperrecRuntime;
import dev.hyperrec.topology.TopicSetup;
import dev.hyperrec.topology.Topics;
import dev.hyperrec.topology.embedded.BrokerProcess;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A SASL_SSL (SCRAM-SHA-512) broker with ACLs: the app connects through configuration alone, an
 * unauthorised principal cannot read the recommendations, and no secret appears in the app's logs.
 */
@ExtendWith(KafkaInfra.class)
class SecurityIT {
    private static final String ADMIN = "admin";
    private static final String ADMIN_PW = "adm1n-Secr3t-x9";
    private static final String APP = "hyperrec-app";
    private static final String APP_PW = "app-Secr3t-q7w";
    private static final String MALLORY = "mallory";
    private static final String MALLORY_PW = "mal-Secr3t-z2";
    private static final String STORE_PW = "st0re-Secr3t-k4";

    @Test
    void theAppRunsOnSaslSslWithAclsAndAnUnauthorisedPrincipalCannotReadRecommendations(KafkaInfra.Infra infra)
            throws Exception {
        Map<String, String> users = new LinkedHashMap<>();
        users.put(ADMIN, ADMIN_PW);
        users.put(APP, APP_PW);
        users.put(MALLORY, MALLORY_PW);
        try (BrokerProcess broker = BrokerProcess.createSecure(Files.createTempDirectory("hyperrec-secure-"),
                new BrokerProcess.Security(users, STORE_PW), Map.of())) {
            String prefix = "secure.";
            Map<String, Object> admin = broker.clientConfig(ADMIN, ADMIN_PW);
            Map<String, Object> cfg = new HashMap<>(broker.clientConfig(APP, APP_PW));
            cfg.put("schema.registry.url", infra.registryUrl());
            cfg.put("application.id", "hyperrec-secure");
            cfg.put("state.dir", Files.createTempDirectory("hyperrec-secure-state-").toString());
            cfg.put(HyperrecConfig.TOPIC_PREFIX, prefix);
            cfg.put(HyperrecConfig.EMBEDDING_DIM, 8);
            cfg.put(HyperrecConfig.BACKEND, "cpu");
            HyperrecConfig config = HyperrecConfig.of(cfg);

            try (Admin a = Admin.create(admin)) {
                TopicSetup.ensure(a, prefix, 2, (short) 1);
                a.createAcls(appAcls("User:" + APP, prefix, "hyperrec-secure")).all().get();
            }
            Map<String, Object> serde = config.serdeConfig();
            Properties pp = new Properties();
            pp.putAll(admin);
            try (KafkaProducer<String, CatalogItem> p = new KafkaProducer<>(pp, new StringSerializer(),
                    AvroSerdes.forClass(CatalogItem.class, serde, false).serializer())) {
                for (int i = 0; i < 16; i++) {
                    CatalogItem item = Fixtures.axisItem(i);
                    p.send(new ProducerRecord<>(config.topic(Topics.CATALOG), item.getItemId(), item));
                }
            }

            ByteArrayOutputStream logs = new ByteArrayOutputStream();
            PrintStream err = System.err;
            PrintStream out = System.out;
            System.setErr(new PrintStream(new Tee(err, logs), true, StandardCharsets.UTF_8));
            System.setOut(new PrintStream(new Tee(out, logs), true, StandardCharsets.UTF_8));
            List<String> expected = new ArrayList<>();
            try (HyperrecRuntime runtime = HyperrecRuntime.create(config)) {
                KafkaStreams streams = HyperrecApp.start(runtime);
                try {
                    ItSupport.awaitRunning(streams);
                    try (KafkaProducer<String, InteractionEvent> p = new KafkaProducer<>(pp, new StringSerializer(),
                            AvroSerdes.forClass(InteractionEvent.class, serde, false).serializer())) {
                        for (int i = 0; i < 20; i++) {
                            InteractionEvent e = Fixtures.event("s" + i, "user" + (i % 3), "i" + (i % 16),
                                    InteractionType.CLICK, 1, i);
                            p.send(new ProducerRecord<>(config.topic(Topics.INTERACTIONS), e.getUserId(), e));
                            expected.add("evt:s" + i);
                        }
                    }
                    var de = AvroSerdes.forClass(Recommendations.class, serde, false).deserializer();
                    var lists = readAs(admin, config.topic(Topics.RECOMMENDATIONS), de, expected.size());
                    assertThat(lists).containsExactlyInAnyOrderElementsOf(expected);
                } finally {
                    HyperrecApp.stop(streams, Duration.ofSeconds(30));
                }
            } finally {
                System.setErr(err);
                System.setOut(out);
            }

            var de = AvroSerdes.forClass(Recommendations.class, serde, false).deserializer();
            assertThatThrownBy(() -> readAs(broker.clientConfig(MALLORY, MALLORY_PW), config.topic(Topics.RECOMMENDATIONS),
                    de, 1)).isInstanceOf(TopicAuthorizationException.class);

            String printed = logs.toString(StandardCharsets.UTF_8);
            assertThat(printed).as("the app logged its (redacted) configuration").contains("sasl.jaas.config=[hidden]");
            for (String secret : List.of(ADMIN_PW, APP_PW, MALLORY_PW, STORE_PW)) {
                assertThat(printed).as("logs must not contain a secret").doesNotContain(secret);
            }
        }
    }

    private static List<AclBinding> appAcls(String principal, String topicPrefix, String appId) {
        List<AclBinding> acls = new ArrayList<>();
        acls.add(allow(new ResourcePattern(ResourceType.TOPIC, topicPrefix, PatternType.PREFIXED), principal, AclOperation.ALL));
        acls.add(allow(new ResourcePattern(ResourceType.TOPIC, appId, PatternType.PREFIXED), principal, AclOperation.ALL));
        acls.add(allow(new ResourcePattern(ResourceType.GROUP, appId, PatternType.PREFIXED), principal, AclOperation.ALL));
        acls.add(allow(new ResourcePattern(ResourceType.TRANSACTIONAL_ID, appId, PatternType.PREFIXED), principal,
                AclOperation.ALL));
        acls.add(allow(new ResourcePattern(ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL), principal,
                AclOperation.IDEMPOTENT_WRITE));
        acls.add(allow(new ResourcePattern(ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL), principal,
                AclOperation.DESCRIBE_CONFIGS));
        return acls;
    }

    private static AclBinding allow(ResourcePattern pattern, String principal, AclOperation op) {
        return new AclBinding(pattern, new AccessControlEntry(principal, "*", op, AclPermissionType.ALLOW));
    }

    private static List<String> readAs(Map<String, Object> client, String topic,
            org.apache.kafka.common.serialization.Deserializer<Recommendations> de, int count) {
        Properties p = new Properties();
        p.putAll(client);
        p.put("isolation.level", "read_committed");
        p.put("enable.auto.commit", "false");
        List<String> ids = new ArrayList<>();
        try (KafkaConsumer<String, Recommendations> c = new KafkaConsumer<>(p, new StringDeserializer(), de)) {
            List<TopicPartition> tps = List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1));
            c.assign(tps);
            c.seekToBeginning(tps);
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (ids.size() < count && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(r -> ids.add(r.value().getRecommendationId()));
            }
        }
        return ids;
    }

    /** Writes to two streams: the original and a capture. */
    private static final class Tee extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        Tee(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int x) throws java.io.IOException {
            a.write(x);
            synchronized (b) {
                b.write(x);
            }
        }

        @Override
        public void write(byte[] buf, int off, int len) throws java.io.IOException {
            a.write(buf, off, len);
            synchronized (b) {
                b.write(buf, off, len);
            }
        }
    }
}
