package dev.hyperrec.topology.cli;

import dev.hyperrec.topology.ConfigSources;
import dev.hyperrec.topology.HyperrecConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The configuration flags every configurable {@code hyperrec} command shares. What they set is the
 * top layer of {@link ConfigSources}' precedence: flags &gt; environment ({@code HYPERREC_*}) &gt;
 * {@code --config} file &gt; command defaults &gt; built-in defaults. A dedicated flag
 * ({@code --bootstrap-servers}) wins over {@code -D} for the same key.
 */
public final class ConfigOptions {
    @Option(names = "--config", paramLabel = "FILE",
            description = "properties file with hyperrec.* and Kafka/registry keys (default: $" + ConfigSources.CONFIG_FILE_ENV + ")")
    Path file;

    @Option(names = {"-D", "--set"}, paramLabel = "KEY=VALUE", mapFallbackValue = "",
            description = "any configuration key (repeatable), e.g. -D hyperrec.recs.k=20 -D security.protocol=SASL_SSL")
    Map<String, String> set = new LinkedHashMap<>();

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT,...", description = "Kafka cluster (bootstrap.servers)")
    String bootstrapServers;

    @Option(names = "--schema-registry-url", paramLabel = "URL",
            description = "Confluent-compatible Schema Registry (schema.registry.url)")
    String registryUrl;

    @Option(names = "--topic-prefix", paramLabel = "PREFIX", description = "prepended to every topic name (" + HyperrecConfig.TOPIC_PREFIX + ")")
    String topicPrefix;

    /** The keys the flags set (null: not given). */
    Map<String, Object> flags() {
        Map<String, Object> m = new LinkedHashMap<>(set);
        put(m, "bootstrap.servers", bootstrapServers);
        put(m, "schema.registry.url", registryUrl);
        put(m, HyperrecConfig.TOPIC_PREFIX, topicPrefix);
        return m;
    }

    static void put(Map<String, Object> m, String key, Object value) {
        if (value != null) {
            m.put(key, value);
        }
    }

    /** Resolves the configuration with these flags plus {@code more} (also flags). */
    ConfigSources.Resolved resolve(Map<String, ?> commandDefaults, Map<String, String> env, Map<String, Object> more) {
        Map<String, Object> flags = flags();
        more.forEach((k, v) -> put(flags, k, v));
        return ConfigSources.resolve(commandDefaults, file, env, flags);
    }
}
