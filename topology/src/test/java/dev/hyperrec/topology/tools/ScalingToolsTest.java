package dev.hyperrec.topology.tools;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** ScalingBench on the CPU backend at toy sizes, and the two plot tools over its and a pipeline report's JSON. */
class ScalingToolsTest {
    @TempDir
    Path dir;

    @Test
    void scalingBenchWritesOnePointPerSizeAndThePlotsDrawThem() throws Exception {
        int rc = new CommandLine(new ScalingBench()).execute("--backend", "cpu", "--dim", "8", "--items", "50,400",
                "--users", "100,2000", "--queries", "3", "--events", "500", "--reps", "1", "--warmup-ms", "0",
                "--out", dir.toString());
        assertThat(rc).isZero();
        JsonNode root = new ObjectMapper().readTree(Files.readString(dir.resolve("scaling-cpu.json")));
        assertThat(root.path("backend").asText()).isEqualTo("cpu");
        assertThat(root.path("dim").asInt()).isEqualTo(8);
        JsonNode points = root.path("points");
        assertThat(points).hasSize(4);
        assertThat(points.get(0).path("op").asText()).isEqualTo("score");
        assertThat(points.get(0).path("items").asInt()).isEqualTo(50);
        assertThat(points.get(1).path("items").asInt()).isEqualTo(400);
        assertThat(points.get(2).path("op").asText()).isEqualTo("update");
        assertThat(points.get(3).path("users").asInt()).isEqualTo(2000);
        for (JsonNode p : points) {
            assertThat(p.path("call_ms").asDouble()).isPositive();
        }

        Path png = dir.resolve("scaling.png");
        ScalingPlot.main(new String[] {png.toString(), dir.resolve("scaling-cpu.json").toString()});
        assertThat(Files.size(png)).isPositive();

        Path pipeline = dir.resolve("pipeline-cpu.json");
        Files.writeString(pipeline, """
                {"setup": {"users": 1000, "backend": "cpu", "items": 100, "dim": 8, "partitions": 2, "num_stream_threads": "1"},
                 "summary": {"ceiling_eps": 50000, "hyperrec_eps": 900},
                 "latency": {"phases": [{"offered_eps": 250, "p50_ms": 120.5, "p99_ms": 300.0},
                                        {"offered_eps": 1000, "p50_ms": null, "p99_ms": null}]}}
                """);
        Path pipelinePng = dir.resolve("pipeline.png");
        PipelinePlot.main(new String[] {pipelinePng.toString(), pipeline.toString()});
        assertThat(Files.size(pipelinePng)).isPositive();

        // the labelled latency plot draws the same file twice under two labels (a null phase is left out)
        Path latencyPng = dir.resolve("latency.png");
        LatencyPlot.main(new String[] {latencyPng.toString(), "title", "a=" + pipeline, "b=" + pipeline});
        assertThat(javax.imageio.ImageIO.read(latencyPng.toFile()).getWidth()).isEqualTo(900);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> LatencyPlot.main(new String[] {latencyPng.toString(), "t",
                pipeline.toString()})).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("LABEL=");
    }
}
