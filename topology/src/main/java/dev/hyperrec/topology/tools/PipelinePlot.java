package dev.hyperrec.topology.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Draws several {@link PipelineBench} JSON files (e.g. one per user count, from a machine whose runtime
 * has no fonts for XChart) into one PNG: left, the passthrough ceiling and hyperrec's drain in events/s
 * against the users of each run; right, p50 and p99 event-to-list latency against the offered rate,
 * one pair of series per file.
 *
 * <p>Usage: {@code PipelinePlot OUT.png pipeline-a.json pipeline-b.json ...}
 */
public final class PipelinePlot {
    private PipelinePlot() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: PipelinePlot OUT.png PIPELINE.json...");
            System.exit(2);
        }
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> runs = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            runs.add(json.readTree(Files.readString(Path.of(args[i]))));
        }
        runs.sort((a, b) -> Integer.compare(a.path("setup").path("users").asInt(), b.path("setup").path("users").asInt()));
        JsonNode first = runs.get(0).path("setup");
        String what = String.format(Locale.ROOT, "%s, %dx%d, %s partitions, %s threads",
                first.path("backend").asText(), first.path("items").asInt(), first.path("dim").asInt(),
                first.path("partitions").asText(), first.path("num_stream_threads").asText());
        XYChart drains = new XYChartBuilder().width(700).height(560).title("Max sustained events/s (" + what + ")")
                .xAxisTitle("users (Zipf 1.0)").yAxisTitle("events/s (log)").build();
        drains.getStyler().setXAxisLogarithmic(true).setYAxisLogarithmic(true).setLegendPosition(Styler.LegendPosition.OutsideS);
        List<Double> users = new ArrayList<>();
        List<Double> ceiling = new ArrayList<>();
        List<Double> hyperrec = new ArrayList<>();
        for (JsonNode r : runs) {
            users.add(r.path("setup").path("users").asDouble());
            ceiling.add(r.path("summary").path("ceiling_eps").asDouble());
            hyperrec.add(r.path("summary").path("hyperrec_eps").asDouble());
        }
        drains.addSeries("passthrough (EOS v2): ceiling", users, ceiling).setMarker(SeriesMarkers.SQUARE);
        drains.addSeries("hyperrec", users, hyperrec).setMarker(SeriesMarkers.CIRCLE);
        XYChart lat = new XYChartBuilder().width(700).height(560).title("Event -> list latency vs offered rate")
                .xAxisTitle("offered events/s").yAxisTitle("ms (log)").build();
        lat.getStyler().setXAxisLogarithmic(true).setYAxisLogarithmic(true).setLegendPosition(Styler.LegendPosition.OutsideS);
        for (JsonNode r : runs) {
            addLatency(lat, r, r.path("setup").path("users").asText() + " users", false);
        }
        BitmapEncoder.saveBitmap(List.of(drains, lat), 1, 2, args[0], BitmapEncoder.BitmapFormat.PNG);
        System.out.println("pipeline-plot: wrote " + args[0]);
    }

    /**
     * Adds one run's latency phases to {@code chart} as two series, "p50, LABEL" and "p99, LABEL", against the offered
     * rate: the phases with a measured p99, and without the censored ones (not all lists arrived) when
     * {@code skipCensored}. Nothing when no phase qualifies.
     */
    static void addLatency(XYChart chart, JsonNode run, String label, boolean skipCensored) {
        List<Double> x = new ArrayList<>();
        List<Double> p50 = new ArrayList<>();
        List<Double> p99 = new ArrayList<>();
        for (JsonNode p : run.path("latency").path("phases")) {
            if (p.path("p99_ms").isNumber() && !(skipCensored && p.path("censored").asBoolean())) {
                x.add(p.path("offered_eps").asDouble());
                p50.add(p.path("p50_ms").asDouble());
                p99.add(p.path("p99_ms").asDouble());
            }
        }
        if (!x.isEmpty()) {
            chart.addSeries("p50, " + label, x, p50).setMarker(SeriesMarkers.CIRCLE);
            chart.addSeries("p99, " + label, x, p99).setMarker(SeriesMarkers.DIAMOND);
        }
    }
}
