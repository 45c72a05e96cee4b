package dev.hyperrec.topology.tools;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The engine benchmark's checksum is what makes it a check of "the same lists": the same flags give the same
 * checksum, another input seed another one, and every timed triggering event got a list.
 */
class EngineBenchTest {
    /** One run's report: its lists and checksum. */
    private record Report(long lists, String checksum, String json) {
    }

    private static Report run(Path out, String seed) throws Exception {
        int rc = new CommandLine(new EngineBench()).execute("--users", "300", "--items", "400", "--dim", "8", "--events", "600",
                "--warmup-events", "300", "--seed", seed, "--out", out.toString());
        assertThat(rc).isZero();
        String json = Files.readString(out);
        return new Report(Long.parseLong(field(json, "lists", "(\\d+)")), field(json, "checksum", "\"([0-9a-f]+)\""), json);
    }

    private static String field(String json, String name, String value) {
        Matcher m = Pattern.compile("\"" + name + "\": " + value).matcher(json);
        assertThat(m.find()).as("%s in %s", name, json).isTrue();
        return m.group(1);
    }

    @Test
    void theSameInputGivesTheSameChecksumAndAnotherInputAnother(@TempDir Path dir) throws Exception {
        Report a = run(dir.resolve("a.json"), "7");
        Report b = run(dir.resolve("b.json"), "7");
        Report c = run(dir.resolve("c.json"), "8");
        // clicks, ratings and purchases trigger a list: about three events in four of the generator's
        assertThat(a.lists()).isBetween(600L * 6 / 10, 600L * 9 / 10);
        assertThat(b.checksum()).isEqualTo(a.checksum());
        assertThat(c.checksum()).isNotEqualTo(a.checksum());
        assertThat(a.json()).contains("\"scoring\"");
    }
}
