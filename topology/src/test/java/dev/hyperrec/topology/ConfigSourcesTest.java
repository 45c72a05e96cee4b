package dev.hyperrec.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hyperrec.topology.ConfigSources.Origin;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one precedence: flags > environment > file > command defaults > built-in defaults. */
class ConfigSourcesTest {

    @Test
    void eachLayerOverridesTheOnesBelowIt(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("app.properties");
        Files.writeString(file, String.join("\n",
                "hyperrec.backend=cuda",
                "hyperrec.recs.k=7",
                "hyperrec.batch.max.events=64",
                "bootstrap.servers=file:9092",
                "hyperrec.metrics.port=9100"));
        Map<String, String> env = Map.of(
                "HYPERREC_BACKEND", "cpu",
                "HYPERREC_BATCH_MAX_EVENTS", "128",
                "HYPERREC_BOOTSTRAP_SERVERS", "env:9092",
                "PATH", "/usr/bin");
        Map<String, Object> command = Map.of("hyperrec.recs.k", 5, "hyperrec.seen.max", 99, "hyperrec.backend", "auto");
        Map<String, Object> flags = new HashMap<>();
        flags.put("hyperrec.batch.max.events", 256);
        flags.put("hyperrec.recs.candidates", null); // an unset flag changes nothing

        ConfigSources.Resolved r = ConfigSources.resolve(command, file, env, flags);
        HyperrecConfig c = r.config();
        assertThat(c.getInt(HyperrecConfig.BATCH_MAX_EVENTS)).isEqualTo(256);          // flag > env > file
        assertThat(r.origins().get(HyperrecConfig.BATCH_MAX_EVENTS)).isEqualTo(Origin.FLAG);
        assertThat(c.get(HyperrecConfig.BACKEND)).isEqualTo("cpu");                      // env > file > command
        assertThat(r.origins().get(HyperrecConfig.BACKEND)).isEqualTo(Origin.ENV);
        assertThat(c.get("bootstrap.servers")).isEqualTo("env:9092");                   // pass-through keys too
        assertThat(c.getInt(HyperrecConfig.RECS_K)).isEqualTo(7);                        // file > command
        assertThat(r.origins().get(HyperrecConfig.RECS_K)).isEqualTo(Origin.FILE);
        assertThat(c.getInt(HyperrecConfig.SEEN_MAX)).isEqualTo(99);                     // command > default
        assertThat(r.origins().get(HyperrecConfig.SEEN_MAX)).isEqualTo(Origin.COMMAND);
        assertThat(c.getInt(HyperrecConfig.RECS_CANDIDATES)).isEqualTo(50);              // default
        assertThat(r.origins().get(HyperrecConfig.RECS_CANDIDATES)).isEqualTo(Origin.DEFAULT);
        assertThat(c.getInt(HyperrecConfig.METRICS_PORT)).isEqualTo(9100);
        assertThat(c.asMap()).doesNotContainKey("path");
        assertThat(r.isUserSet(HyperrecConfig.SEEN_MAX)).isFalse();
        assertThat(r.isUserSet(HyperrecConfig.RECS_K)).isTrue();
        assertThat(r.describe()).contains("hyperrec.batch.max.events = 256  (flag)")
                .contains("hyperrec.backend = cpu  (env)").contains("# config file: " + file);
    }

    @Test
    void theEnvironmentNamesTheFileWhenNoFlagDoes(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("env.properties");
        Files.writeString(file, "hyperrec.recs.k=9\n");
        ConfigSources.Resolved r = ConfigSources.resolve(Map.of(), null, Map.of(ConfigSources.CONFIG_FILE_ENV, file.toString()), Map.of());
        assertThat(r.file()).isEqualTo(file);
        assertThat(r.config().getInt(HyperrecConfig.RECS_K)).isEqualTo(9);
        // HYPERREC_CONFIG itself is not a key
        assertThat(r.values()).doesNotContainKey("config").doesNotContainKey("hyperrec.config");

        Path other = dir.resolve("flag.properties");
        Files.writeString(other, "hyperrec.recs.k=11\n");
        assertThat(ConfigSources.resolve(Map.of(), other, Map.of(ConfigSources.CONFIG_FILE_ENV, file.toString()), Map.of())
                .config().getInt(HyperrecConfig.RECS_K)).isEqualTo(11);
    }

    @Test
    void environmentNamesMapToHyperrecKeysWhenTheyExistElseToPassThroughKeys() {
        assertThat(ConfigSources.keyOf("HYPERREC_BACKEND")).isEqualTo("hyperrec.backend");
        assertThat(ConfigSources.keyOf("HYPERREC_METRICS_HOST")).isEqualTo("hyperrec.metrics.host");
        assertThat(ConfigSources.keyOf("HYPERREC_SERDE_CLASS")).isEqualTo("hyperrec.serde.class");
        assertThat(ConfigSources.keyOf("HYPERREC_BOOTSTRAP_SERVERS")).isEqualTo("bootstrap.servers");
        assertThat(ConfigSources.keyOf("HYPERREC_SCHEMA_REGISTRY_URL")).isEqualTo("schema.registry.url");
        assertThat(ConfigSources.fromEnvironment(Map.of("HYPERREC_SKIP_BUILD", "1", "HYPERREC_REGISTRY_DIR", "/x",
                "HYPERREC_", "x", "OTHER_BACKEND", "cuda"))).isEmpty();
        // the inverse, for documentation and the compose file
        for (String key : HyperrecConfig.defaults().keySet()) {
            assertThat(ConfigSources.keyOf(ConfigSources.envName(key))).as(key).isEqualTo(key);
        }
        assertThat(ConfigSources.envName("bootstrap.servers")).isEqualTo("HYPERREC_BOOTSTRAP_SERVERS");
    }

    @Test
    void aMissingFileOrAnInvalidValueFailsWithTheValue(@TempDir Path dir) {
        assertThatThrownBy(() -> ConfigSources.resolve(Map.of(), dir.resolve("nope.properties"), Map.of(), Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nope.properties");
        ConfigSources.Resolved r = ConfigSources.resolve(Map.of(), null, Map.of("HYPERREC_METRICS_PORT", "70000"), Map.of());
        assertThatThrownBy(r::config).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("hyperrec.metrics.port").hasMessageContaining("70000");
    }
}
