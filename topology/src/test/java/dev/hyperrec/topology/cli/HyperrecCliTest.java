package dev.hyperrec.topology.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The {@code hyperrec} command line without a broker: subcommands, help, and the configuration precedence. */
class HyperrecCliTest {

    /** Runs {@code args} with {@code env}; returns exit code, stdout and stderr. */
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
    void everySubcommandHasHelp() {
        String[] root = run(Map.of(), "--help");
        assertThat(root[0]).isEqualTo("0");
        assertThat(root[1]).contains("run").contains("replay").contains("evaluate").contains("bench").contains("topics")
                .contains("flags > environment (HYPERREC_*) > --config file");
        for (List<String> cmd : List.of(List.of("run"), List.of("replay"), List.of("evaluate"), List.of("bench"),
                List.of("bench", "soak"), List.of("bench", "chaos"), List.of("bench", "fuzz-input"),
                List.of("bench", "pipeline"), List.of("topics"),
                List.of("topics", "create"), List.of("topics", "verify"))) {
            String[] args = new String[cmd.size() + 1];
            cmd.toArray(args);
            args[cmd.size()] = "--help";
            String[] r = run(Map.of(), args);
            assertThat(r[0]).as("%s --help", cmd).isEqualTo("0");
            assertThat(r[1]).as("%s --help", cmd).contains("Usage: hyperrec " + String.join(" ", cmd));
        }
        assertThat(run(Map.of(), "run", "--help")[1]).contains("--print-config").contains("--metrics-port").contains("-D, --set");
        assertThat(run(Map.of(), "replay", "--help")[1]).contains("--ratings").contains("--bootstrap-servers");
        assertThat(run(Map.of(), "--version")[1]).startsWith("hyperrec ");
    }

    @Test
    void aMissingSubcommandOrAnUnknownFlagIsAUsageError() {
        String[] none = run(Map.of());
        assertThat(none[0]).isEqualTo("2");
        assertThat(none[2]).contains("Missing required subcommand");
        assertThat(run(Map.of(), "topics")[0]).isEqualTo("2");
        assertThat(run(Map.of(), "bench")[0]).isEqualTo("2");
        String[] bad = run(Map.of(), "run", "--no-such-flag");
        assertThat(bad[0]).isEqualTo("2");
        assertThat(bad[2]).contains("--no-such-flag");
    }

    @Test
    void flagsBeatTheEnvironmentWhichBeatsTheFileWhichBeatsTheDefaults(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("app.properties");
        Files.writeString(file, String.join("\n",
                "bootstrap.servers=file:9092",
                "schema.registry.url=http://file:8081",
                "hyperrec.backend=cuda",
                "hyperrec.recs.k=7",
                "hyperrec.metrics.port=9100",
                "hyperrec.batch.max.events=64",
                "sasl.jaas.config=secret-from-file"));
        Map<String, String> env = Map.of(
                "HYPERREC_BOOTSTRAP_SERVERS", "env:9092",
                "HYPERREC_BACKEND", "cpu",
                "HYPERREC_METRICS_PORT", "9200",
                "HYPERREC_BATCH_MAX_EVENTS", "128");
        String[] r = run(env, "run", "--config", file.toString(), "--print-config",
                "--bootstrap-servers", "flag:9092", "--metrics-port", "0", "-D", "hyperrec.batch.max.events=256",
                "-D", "hyperrec.metrics.port=1234");
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        String printed = r[1];
        assertThat(printed)
                .contains("bootstrap.servers = flag:9092  (flag)")            // flag > env > file
                .contains("hyperrec.metrics.port = 0  (flag)")                 // a dedicated flag > -D > env > file
                .contains("hyperrec.batch.max.events = 256  (flag)")           // -D > env > file
                .contains("hyperrec.backend = cpu  (env)")                     // env > file
                .contains("schema.registry.url = http://file:8081  (file)")    // file > nothing
                .contains("hyperrec.recs.k = 7  (file)")                       // file > default
                .contains("hyperrec.recs.candidates = 50  (default)")
                .contains("hyperrec.metrics.host = 127.0.0.1  (default)")
                .contains("sasl.jaas.config = [hidden]  (file)")
                .doesNotContain("secret-from-file");

        // HYPERREC_CONFIG names the file when --config does not
        String[] viaEnv = run(Map.of("HYPERREC_CONFIG", file.toString()), "run", "--print-config");
        assertThat(viaEnv[1]).contains("hyperrec.backend = cuda  (file)").contains("# config file: " + file);

        // --role splits the application: HYPERREC_ROLE names it too, the flag wins
        assertThat(run(Map.of(), "run", "--print-config")[1]).contains("hyperrec.role = all  (default)");
        assertThat(run(Map.of("HYPERREC_ROLE", "lists"), "run", "--print-config")[1]).contains("hyperrec.role = lists  (env)");
        assertThat(run(Map.of("HYPERREC_ROLE", "lists"), "run", "--role", "model", "--print-config")[1])
                .contains("hyperrec.role = model  (flag)");
        String[] badRole = run(Map.of(), "run", "--role", "scorer", "--print-config");
        assertThat(badRole[0]).isNotEqualTo("0");
        assertThat(badRole[2]).contains("hyperrec.role").contains("scorer");
    }

    @Test
    void anInvalidValueFailsWithTheKeyAndTheValue() {
        String[] r = run(Map.of("HYPERREC_METRICS_PORT", "99999"), "run", "--print-config");
        assertThat(r[0]).isNotEqualTo("0");
        assertThat(r[2]).contains("hyperrec.metrics.port").contains("99999");
        String[] noCluster = run(Map.of(), "topics", "verify");
        assertThat(noCluster[0]).isNotEqualTo("0");
        assertThat(noCluster[2]).contains("--bootstrap-servers").contains("HYPERREC_BOOTSTRAP_SERVERS");
    }
}
