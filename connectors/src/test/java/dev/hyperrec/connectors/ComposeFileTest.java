package dev.hyperrec.connectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.JsonMetaSchema;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.NonValidationKeyword;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.hyperrec.schemas.RegistrySerdeConfig;
import dev.hyperrec.topology.ConfigSources;
import dev.hyperrec.topology.HyperrecConfig;
import dev.hyperrec.topology.Topics;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Modifier;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.utils.AppInfoParser;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * compose.yaml cannot be started on these machines (no Docker engine), so the test command checks it:
 * valid against the Compose specification's JSON schema (vendored, see
 * src/test/resources/compose-spec/ORIGIN.md), and consistent with what the app and the sink read —
 * images, ports, every {@code HYPERREC_*} variable, the service names in URLs, the connector's
 * database settings, the mounted paths and the health checks.
 */
class ComposeFileTest {
    private static final Path ROOT = Path.of(System.getProperty("hyperrec.repo.root", "..")).toAbsolutePath().normalize();
    private static final Pattern GO_DURATION = Pattern.compile("([0-9]+(\\.[0-9]+)?(ns|us|ms|s|m|h))+");
    private static final Pattern HOST_PORT = Pattern.compile("^(?:[a-zA-Z]+://)?([A-Za-z0-9._-]+):(\\d+)");
    /** Services that run once and exit: no health check expected. */
    private static final Set<String> ONE_SHOT = Set.of("connect-sink");

    private static JsonNode compose;
    private static JsonNode services;

    @BeforeAll
    static void load() throws IOException {
        compose = new YAMLMapper().readTree(ROOT.resolve("compose.yaml").toFile());
        services = compose.path("services");
    }

    private static JsonSchema composeSchema() throws IOException {
        try (InputStream in = ComposeFileTest.class.getResourceAsStream("/compose-spec/compose-spec.json")) {
            assertThat(in).as("vendored compose-spec.json").isNotNull();
            // format "duration" means Go durations (5s, 1m30s), not ISO-8601: asserted separately below
            SchemaValidatorsConfig cfg = SchemaValidatorsConfig.builder().formatAssertionsEnabled(false).build();
            // the 2021 schema declares draft 2019-09 but still names subschemas with draft-04's "id":
            // an annotation there, not an assertion
            List<JsonMetaSchema> metas = new ArrayList<>();
            for (String iri : List.of("http://json-schema.org/draft/2019-09/schema", "https://json-schema.org/draft/2019-09/schema")) {
                metas.add(JsonMetaSchema.builder(iri, JsonMetaSchema.getV201909()).keyword(new NonValidationKeyword("id"))
                        .keyword(new NonValidationKeyword("definitions")).build());
            }
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V201909, b -> b.metaSchemas(metas)).getSchema(in, cfg);
        }
    }

    @Test
    void isValidAgainstTheComposeSpecificationSchema() throws IOException {
        Set<ValidationMessage> errors = composeSchema().validate(compose);
        assertThat(errors).as("compose.yaml against the Compose specification").isEmpty();
    }

    @Test
    void theSchemaCheckIsNotVacuous() throws IOException {
        JsonSchema schema = composeSchema();
        ObjectNode broken = compose.deepCopy();
        ((ObjectNode) broken.path("services").path("kafka")).put("imagee", "apache/kafka");
        ((ObjectNode) broken.path("services").path("postgres").path("healthcheck")).put("retries", "many");
        List<String> messages = schema.validate(broken).stream().map(ValidationMessage::getMessage).toList();
        assertThat(messages).anySatisfy(m -> assertThat(m).contains("imagee"));
        assertThat(messages).anySatisfy(m -> assertThat(m).contains("retries"));
    }

    @Test
    void imagesArePinnedAndMatchWhatTheBuildUses() {
        Map<String, String> images = new TreeMap<>();
        services.fields().forEachRemaining(e -> {
            if (e.getValue().has("image")) {
                images.put(e.getKey(), e.getValue().get("image").asText());
            }
        });
        images.forEach((svc, image) -> assertThat(image).as(svc).matches("[a-z0-9./-]+:[A-Za-z0-9._-]+").doesNotEndWith(":latest"));
        // the broker runs the Kafka version the app is built and tested with
        assertThat(images.get("kafka")).isEqualTo("apache/kafka:" + AppInfoParser.getVersion());
        // the registry and the Connect worker (whose AvroConverter talks to it) come from one Confluent release
        Set<String> confluentTags = new HashSet<>();
        images.values().stream().filter(i -> i.startsWith("confluentinc/")).forEach(i -> confluentTags.add(i.substring(i.indexOf(':') + 1)));
        assertThat(confluentTags).hasSize(1);
        assertThat(images.get("schema-registry")).startsWith("confluentinc/cp-schema-registry:");
        assertThat(images.get("connect")).startsWith("confluentinc/cp-kafka-connect:");
        // the sink's DDL uses EXECUTE FUNCTION (PostgreSQL 11+); the local demo and IT run PostgreSQL 15
        Matcher pg = Pattern.compile("postgres:(\\d+)").matcher(images.get("postgres"));
        assertThat(pg.matches()).as(images.get("postgres")).isTrue();
        assertThat(Integer.parseInt(pg.group(1))).isGreaterThanOrEqualTo(11);
        // the app is built from this repository
        assertThat(services.path("app").path("build").path("dockerfile").asText()).isEqualTo("topology/Dockerfile");
        assertThat(ROOT.resolve("topology/Dockerfile")).isRegularFile();
    }

    @Test
    void everyHyperrecVariableOfTheAppIsAConfigKeyWithAValidValue() {
        Map<String, String> env = environment("app");
        assertThat(env).isNotEmpty();
        Set<String> passThrough = new HashSet<>();
        passThrough.addAll(StreamsConfig.configDef().names());
        passThrough.addAll(ProducerConfig.configNames());
        passThrough.addAll(ConsumerConfig.configNames());
        passThrough.addAll(AdminClientConfig.configNames());
        passThrough.addAll(serdeKeys());
        Map<String, String> config = new LinkedHashMap<>();
        env.forEach((name, value) -> {
            assertThat(name).as("the app reads only HYPERREC_* variables").startsWith(ConfigSources.ENV_PREFIX);
            assertThat(ConfigSources.NON_CONFIG_ENV).as(name + " configures a launcher, not the app").doesNotContain(name);
            String key = ConfigSources.keyOf(name);
            boolean known = HyperrecConfig.defaults().containsKey(key) || HyperrecConfig.OPTIONAL_KEYS.contains(key)
                    || passThrough.contains(key);
            assertThat(known).as("%s -> %s is neither a hyperrec key nor a Kafka Streams/client/serde key", name, key).isTrue();
            config.put(key, value);
        });
        // the same merge and validation as the app's start: a wrong value fails here, not in a container
        ConfigSources.Resolved resolved = ConfigSources.resolve(Map.of(), null, env, Map.of());
        assertThatCode(resolved::config).doesNotThrowAnyException();
        assertThat(resolved.values()).containsAllEntriesOf(config);
        for (String required : List.of("bootstrap.servers", "schema.registry.url", "application.id")) {
            assertThat(config).as("compose must set " + required).containsKey(required);
        }
    }

    @Test
    void urlsPointAtServicesAndPortsThatListenThere() {
        Map<String, String> app = environment("app");
        Map<String, String> connect = environment("connect");
        int kafkaPort = listenerPort(environment("kafka").get("KAFKA_ADVERTISED_LISTENERS"), "PLAINTEXT");
        int registryPort = URI.create(environment("schema-registry").get("SCHEMA_REGISTRY_LISTENERS")).getPort();

        assertPointsAt(app.get("HYPERREC_BOOTSTRAP_SERVERS"), "kafka", kafkaPort);
        assertPointsAt(app.get("HYPERREC_SCHEMA_REGISTRY_URL"), "schema-registry", registryPort);
        assertPointsAt(connect.get("CONNECT_BOOTSTRAP_SERVERS"), "kafka", kafkaPort);
        assertPointsAt(environment("schema-registry").get("SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS"), "kafka", kafkaPort);

        Map<String, String> sink = composeSink();
        assertPointsAt(sink.get("value.converter.schema.registry.url"), "schema-registry", registryPort);
        // the app's metrics/health endpoint: reachable from outside its container, on the published port
        int metricsPort = Integer.parseInt(app.getOrDefault("HYPERREC_METRICS_PORT", HyperrecConfig.defaults().get(HyperrecConfig.METRICS_PORT)));
        assertThat(app.get("HYPERREC_METRICS_HOST")).isEqualTo("0.0.0.0");
        assertThat(publishedContainerPorts("app")).contains(metricsPort);
        assertThat(services.path("app").path("healthcheck").path("test").toString()).contains("/" + metricsPort)
                .contains("/health");
        assertThat(publishedContainerPorts("kafka")).contains(kafkaPort);
        assertThat(publishedContainerPorts("schema-registry")).contains(registryPort);
        assertThat(publishedContainerPorts("connect")).contains(Integer.parseInt(connect.get("CONNECT_REST_PORT")));
        assertThat(services.path("connect-sink").path("command").toString()).contains("http://connect:" + connect.get("CONNECT_REST_PORT") + "/");
        // no two services publish the same host port
        List<String> hostPorts = new ArrayList<>();
        services.fields().forEachRemaining(e -> e.getValue().path("ports").forEach(p -> hostPorts.add(p.asText().split(":")[0])));
        assertThat(hostPorts).doesNotHaveDuplicates();
    }

    @Test
    void theComposeSinkIsTheTestedSinkWithComposesConverterAndAddresses() {
        Map<String, String> sink = composeSink();
        Map<String, String> pg = environment("postgres");
        // the database the connector writes to is the one the postgres service creates
        assertPointsAt(sink.get("connection.url").replace("jdbc:postgresql://", ""), "postgres", 5432);
        assertThat(sink.get("connection.url")).endsWith("/" + pg.get("POSTGRES_DB"));
        assertThat(sink.get("connection.username")).isEqualTo(pg.get("POSTGRES_USER"));
        assertThat(sink.get("connection.password")).isEqualTo(pg.get("POSTGRES_PASSWORD"));
        String prefix = environment("app").getOrDefault("HYPERREC_TOPIC_PREFIX", "");
        assertThat(sink.get("topics")).isEqualTo(prefix + Topics.RECOMMENDATIONS);
        assertThat(sink.get("collection.name.format")).isEqualTo(RecommendationsTable.DEFAULT_TABLE);
        assertThat(sink.get("value.converter")).isEqualTo("io.confluent.connect.avro.AvroConverter");

        // every other setting equals the Avro sink that RecommendationsSinkIT runs
        Map<String, String> values = new HashMap<>();
        for (String k : List.of("topic", "apicurio.url", "pg.host", "pg.port", "pg.database", "pg.user", "pg.password", "table")) {
            values.put(k, "x");
        }
        Map<String, String> tested = new TreeMap<>(SinkConfigs.load(SinkConfigs.SINK_AVRO, values));
        Map<String, String> composed = new TreeMap<>(sink);
        for (Map<String, String> m : List.of(tested, composed)) {
            m.keySet().removeIf(k -> k.startsWith("value.converter") || k.startsWith("connection.") || k.equals("topics")
                    || k.equals("collection.name.format") || k.equals("name"));
        }
        assertThat(composed).isEqualTo(tested);
        // the worker sinks only committed lists, like the standalone worker of the demo
        assertThat(environment("connect").get("CONNECT_CONSUMER_ISOLATION_LEVEL")).isEqualTo("read_committed");
        assertThat(SinkConfigs.text(SinkConfigs.WORKER)).contains("consumer.isolation.level=read_committed");
    }

    @Test
    void mountedPathsExistOrAreBuildOutputs() {
        services.fields().forEachRemaining(e -> e.getValue().path("volumes").forEach(v -> {
            String host = v.asText().split(":")[0];
            if (!host.startsWith("./")) {
                assertThat(compose.path("volumes").has(host)).as("%s: named volume %s declared", e.getKey(), host).isTrue();
                return;
            }
            Path p = ROOT.resolve(host).normalize();
            if (host.startsWith("./connectors/target/plugins/")) {
                // made by the build: connectors/pom.xml unpacks and packages these plugin folders
                String plugin = Path.of(host).getFileName().toString();
                assertThat(List.of("debezium-connector-jdbc", "hyperrec-transforms", "apicurio-converter")).contains(plugin);
            } else {
                assertThat(p).as("%s mounts %s", e.getKey(), host).exists();
            }
        }));
        assertThat(ROOT.resolve("connectors/config/recommendations-jdbc-sink-compose.json")).isRegularFile();
        assertThat(ROOT.resolve("connectors/sql/recommendations.sql")).isRegularFile();
    }

    @Test
    void servicesHaveHealthChecksAndWaitForHealthyDependencies() {
        services.fields().forEachRemaining(e -> {
            String svc = e.getKey();
            JsonNode hc = e.getValue().path("healthcheck");
            if (!ONE_SHOT.contains(svc)) {
                assertThat(hc.path("test").isArray()).as("%s has a health check", svc).isTrue();
                for (String d : List.of("interval", "timeout", "start_period")) {
                    if (hc.has(d)) {
                        assertThat(GO_DURATION.matcher(hc.get(d).asText()).matches()).as("%s %s=%s", svc, d, hc.get(d)).isTrue();
                    }
                }
            }
            Iterator<Map.Entry<String, JsonNode>> deps = e.getValue().path("depends_on").fields();
            deps.forEachRemaining(d -> {
                assertThat(services.has(d.getKey())).as("%s depends on %s", svc, d.getKey()).isTrue();
                assertThat(d.getValue().path("condition").asText()).as("%s waits for %s", svc, d.getKey())
                        .isEqualTo("service_healthy");
                assertThat(services.path(d.getKey()).has("healthcheck")).isTrue();
            });
        });
    }

    // ---------------------------------------------------------------------------------------------

    private static Map<String, String> environment(String service) {
        Map<String, String> env = new LinkedHashMap<>();
        services.path(service).path("environment").fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
        return env;
    }

    private static Map<String, String> composeSink() {
        try {
            JsonNode n = new ObjectMapper().readTree(ROOT.resolve("connectors/config/recommendations-jdbc-sink-compose.json").toFile());
            Map<String, String> m = new LinkedHashMap<>();
            n.fields().forEachRemaining(e -> {
                assertThat(e.getValue().isTextual()).as("Connect config values are strings: %s", e.getKey()).isTrue();
                m.put(e.getKey(), e.getValue().asText());
            });
            return m;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Set<String> serdeKeys() {
        Set<String> keys = new HashSet<>();
        for (var f : RegistrySerdeConfig.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
                try {
                    String v = (String) f.get(null);
                    if (!v.endsWith("://")) {
                        keys.add(v);
                    }
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return keys;
    }

    private static int listenerPort(String listeners, String name) {
        for (String l : listeners.split(",")) {
            if (l.startsWith(name + "://")) {
                return Integer.parseInt(l.substring(l.lastIndexOf(':') + 1));
            }
        }
        throw new AssertionError("no " + name + " listener in " + listeners);
    }

    private static void assertPointsAt(String address, String service, int port) {
        assertThat(address).as("address").isNotNull();
        Matcher m = HOST_PORT.matcher(address);
        assertThat(m.find()).as(address).isTrue();
        assertThat(m.group(1)).as("%s names a compose service", address).isEqualTo(service);
        assertThat(Integer.parseInt(m.group(2))).as("%s uses the port %s listens on", address, service).isEqualTo(port);
    }

    private static List<Integer> publishedContainerPorts(String service) {
        List<Integer> ports = new ArrayList<>();
        services.path(service).path("ports").forEach(p -> {
            String[] parts = p.asText().split(":");
            ports.add(Integer.parseInt(parts[parts.length - 1]));
        });
        return ports;
    }
}
