package dev.hyperrec.topology.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperrec.topology.it.KafkaInfra;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The main job against an existing cluster and registry (its --bootstrap-servers / --schema-registry-url path). */
@ExtendWith(KafkaInfra.class)
class DemoIT {
    private static final Pattern LINE = Pattern.compile(
            "^demo: events=(\\d+) users=(\\d+) users_with_recs=(\\d+) recommendations=(\\d+) p50_ms=([0-9.]+) p99_ms=([0-9.]+) backend=(cpu|cuda)$",
            Pattern.MULTILINE);

    @Test
    void runsAgainstAGivenClusterAndRegistryAndEndsWithTheDemoLine(KafkaInfra.Infra infra, @TempDir Path dir)
            throws Exception {
        Path cfg = dir.resolve("demo.properties");
        Files.writeString(cfg, "hyperrec.topic.prefix=demoit.\n");
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        Demo demo = new Demo();
        demo.out = new PrintStream(buf, true, StandardCharsets.UTF_8);
        int rc = new CommandLine(demo).execute("--bootstrap-servers", infra.bootstrapServers(), "--schema-registry-url",
                infra.registryUrl(), "--config", cfg.toString(), "--users", "60", "--items", "120", "--events", "1500",
                "--rate", "0", "--partitions", "2", "--backend", "cpu", "--examples", "2", "--no-progress");
        String printed = buf.toString(StandardCharsets.UTF_8);
        assertThat(rc).as(printed).isZero();
        String[] lines = printed.strip().split("\n");
        Matcher m = LINE.matcher(lines[lines.length - 1]);
        assertThat(m.matches()).as("last line: %s", lines[lines.length - 1]).isTrue();
        assertThat(m.group(1)).isEqualTo("1500");
        assertThat(m.group(2)).isEqualTo("60");
        assertThat(m.group(3)).isEqualTo("60");
        assertThat(Long.parseLong(m.group(4))).isPositive();
        assertThat(m.group(7)).isEqualTo("cpu");
        assertThat(printed).contains("recommended (evt:").contains("recently:");
    }
}
