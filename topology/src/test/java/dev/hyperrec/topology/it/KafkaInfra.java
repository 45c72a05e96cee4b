package dev.hyperrec.topology.it;

import dev.hyperrec.schemas.registry.LocalApicurioRegistry;
import dev.hyperrec.topology.embedded.EmbeddedKafka;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one JUnit 5 extension that decides which real broker and registry the ITs use, started once
 * per test JVM (root store, closed when the JVM's tests end):
 * <ol>
 *   <li>an external cluster when system property {@code kafka.bootstrap} is set;</li>
 *   <li>else Testcontainers' {@code KafkaContainer} (apache/kafka) when a Docker engine answers;</li>
 *   <li>else the in-JVM KRaft broker ({@link EmbeddedKafka}).</li>
 * </ol>
 * The registry is {@code schema.registry.url} if set, else an Apicurio process started here.
 * Inject {@link Infra} into a test method or constructor.
 */
public final class KafkaInfra implements ParameterResolver {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaInfra.class);

    /** The broker and registry of this test JVM. */
    public interface Infra {
        String bootstrapServers();

        String registryUrl();

        /** "external", "testcontainers" or "embedded". */
        String brokerKind();
    }

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext c) {
        return p.getParameter().getType() == Infra.class;
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext c) {
        return c.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent(Resources.class, k -> Resources.start(), Resources.class);
    }

    static final class Resources implements Infra, ExtensionContext.Store.CloseableResource {
        private final String bootstrap;
        private final String registryUrl;
        private final String kind;
        private final AutoCloseable broker;
        private final LocalApicurioRegistry registry;

        private Resources(String bootstrap, String kind, AutoCloseable broker, String registryUrl,
                LocalApicurioRegistry registry) {
            this.bootstrap = bootstrap;
            this.kind = kind;
            this.broker = broker;
            this.registryUrl = registryUrl;
            this.registry = registry;
        }

        static Resources start() {
            String bootstrap = System.getProperty("kafka.bootstrap");
            String kind;
            AutoCloseable broker = null;
            if (bootstrap != null && !bootstrap.isBlank()) {
                kind = "external";
            } else if (dockerAvailable()) {
                var container = new org.testcontainers.kafka.KafkaContainer("apache/kafka:4.1.0");
                container.start();
                bootstrap = container.getBootstrapServers();
                broker = container;
                kind = "testcontainers";
            } else {
                EmbeddedKafka k = EmbeddedKafka.start();
                bootstrap = k.bootstrapServers();
                broker = k;
                kind = "embedded";
            }
            String url = System.getProperty("schema.registry.url");
            LocalApicurioRegistry registry = null;
            if (url == null || url.isBlank()) {
                registry = LocalApicurioRegistry.start(LocalApicurioRegistry.locate());
                url = registry.ccompatUrl();
            }
            LOG.info("ITs use a {} broker at {} and the registry at {}", kind, bootstrap, url);
            return new Resources(bootstrap, kind, broker, url, registry);
        }

        private static boolean dockerAvailable() {
            try {
                return org.testcontainers.DockerClientFactory.instance().isDockerAvailable();
            } catch (Throwable t) {
                return false;
            }
        }

        @Override
        public String bootstrapServers() {
            return bootstrap;
        }

        @Override
        public String registryUrl() {
            return registryUrl;
        }

        @Override
        public String brokerKind() {
            return kind;
        }

        @Override
        public void close() throws Exception {
            if (registry != null) {
                registry.close();
            }
            if (broker != null) {
                broker.close();
            }
        }
    }
}
