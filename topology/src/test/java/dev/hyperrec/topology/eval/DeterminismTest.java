package dev.hyperrec.topology.eval;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperrec.topology.demo.MovieLens;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Same input and seed ⇒ the same report (timings aside), for every method. */
class DeterminismTest {

    @Test
    void sameSeedSameReport(@TempDir Path dir) throws Exception {
        List<MovieLens.Rating> ratings = SyntheticRatings.generate(50, 100, 2500, 4, 11);
        Path csv = SyntheticRatings.writeCsv(dir.resolve("synthetic"), ratings);
        String a = run(csv, dir.resolve("a"));
        String b = run(csv, dir.resolve("b"));
        assertThat(b).isEqualTo(a);
        assertThat(a).contains("\"name\": \"hyperrec\"").contains("\"recall_at_10\"");
        assertThat(Files.exists(dir.resolve("a").resolve("recall.png"))).isTrue();
        assertThat(Files.readString(dir.resolve("a").resolve("report.md"))).contains("| hyperrec |");
    }

    private static String run(Path csv, Path out) throws Exception {
        String[] args = {"--ratings", csv.toString(), "--out", out.toString(), "--seed", "5", "--no-progress",
                "--no-bandit", "--half-lives", "0,30", "--config", writeConfig(out).toString()};
        int rc = new CommandLine(new Evaluate()).execute(args);
        assertThat(rc).isZero();
        // events_per_s and the command (paths) differ between runs; everything else must not
        return Files.readAllLines(out.resolve("report.json")).stream()
                .filter(l -> !l.contains("events_per_s") && !l.contains("\"command\""))
                .collect(Collectors.joining("\n"));
    }

    private static Path writeConfig(Path out) throws Exception {
        Files.createDirectories(out);
        Path p = out.resolveSibling(out.getFileName() + ".properties");
        Files.writeString(p, "hyperrec.embedding.dim=8\nhyperrec.catalog.initial.capacity=256\n");
        return p;
    }
}
