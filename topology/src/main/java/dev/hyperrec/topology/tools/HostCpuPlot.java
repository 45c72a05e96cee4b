package dev.hyperrec.topology.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * Draws what the whole machine spent on an event ({@link HostCpu}'s {@code cpu_us_per_event}) in several
 * {@link PipelineBench} runs, one stacked bar per run: this JVM (the app and the harness's clients), the broker, the model's
 * JVM and the rest of the machine, plus one bar for the first run's passthrough (its best run), so that the bars read
 * against the 16-core budget of a target rate.
 *
 * <p>Usage: {@code HostCpuPlot OUT.png "TITLE" LABEL=pipeline-a.json LABEL=pipeline-b.json ...}
 */
public final class HostCpuPlot {
    /** The stacked parts, as {@code cpu_us_per_event} names them, and their legend. */
    static final Map<String, String> PARTS = new LinkedHashMap<>();

    static {
        PARTS.put("this_jvm", "app JVM (with the harness's clients)");
        PARTS.put("broker", "broker");
        PARTS.put("model_jvm", "model's JVM");
        PARTS.put("rest_of_machine", "rest of the machine");
    }

    private HostCpuPlot() {
    }

    /** One bar: its label and µs an event per part (0 where the run has no such part; a negative rest counts 0). */
    record Bar(String label, Map<String, Double> parts) {
    }

    /** The bars of {@code runs} (label → a PipelineBench JSON): the first run's passthrough, then each drain. */
    static List<Bar> bars(Map<String, JsonNode> runs) {
        List<Bar> bars = new ArrayList<>();
        boolean first = true;
        for (Map.Entry<String, JsonNode> e : runs.entrySet()) {
            JsonNode run = e.getValue();
            if (first) {
                JsonNode best = bestCeilingRun(run.path("ceiling"));
                if (best != null) {
                    bars.add(new Bar("passthrough (" + e.getKey() + ")", parts(best.path("host_cpu"))));
                }
                first = false;
            }
            JsonNode host = run.path("hyperrec").path("host_cpu");
            if (host.isMissingNode()) {
                throw new IllegalArgumentException(e.getKey() + ": the run has no hyperrec.host_cpu (a PipelineBench JSON from"
                        + " before 2e910f5?)");
            }
            bars.add(new Bar(e.getKey(), parts(host)));
        }
        return bars;
    }

    private static JsonNode bestCeilingRun(JsonNode ceiling) {
        JsonNode best = null;
        for (JsonNode r : ceiling.path("runs")) {
            if (!r.path("host_cpu").isMissingNode() && (best == null || r.path("eps").asDouble() > best.path("eps").asDouble())) {
                best = r;
            }
        }
        return best;
    }

    private static Map<String, Double> parts(JsonNode host) {
        Map<String, Double> m = new LinkedHashMap<>();
        JsonNode us = host.path("cpu_us_per_event");
        for (String part : PARTS.keySet()) {
            m.put(part, Math.max(0, us.path(part).asDouble(0)));
        }
        return m;
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 3) {
            System.err.println("usage: HostCpuPlot OUT.png TITLE LABEL=PIPELINE.json...");
            System.exit(2);
        }
        ObjectMapper json = new ObjectMapper();
        Map<String, JsonNode> runs = new LinkedHashMap<>();
        for (int i = 2; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("expected LABEL=PIPELINE.json, got " + args[i]);
            }
            runs.put(args[i].substring(0, eq), json.readTree(Files.readString(Path.of(args[i].substring(eq + 1)))));
        }
        List<Bar> bars = bars(runs);
        CategoryChart chart = new CategoryChartBuilder().width(1000).height(620).title(args[1])
                .xAxisTitle("run").yAxisTitle("CPU microseconds an event, whole machine").build();
        chart.getStyler().setStacked(true);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setXAxisLabelRotation(20);
        List<String> labels = bars.stream().map(Bar::label).toList();
        for (Map.Entry<String, String> part : PARTS.entrySet()) {
            List<Double> values = bars.stream().map(b -> b.parts().get(part.getKey())).toList();
            chart.addSeries(part.getValue(), labels, values);
        }
        BitmapEncoder.saveBitmap(chart, args[0], BitmapEncoder.BitmapFormat.PNG);
        System.out.println("host-cpu-plot: wrote " + args[0]);
    }
}
