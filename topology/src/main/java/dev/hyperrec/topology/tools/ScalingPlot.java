package dev.hyperrec.topology.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * Draws the {@link ScalingBench} files given on the command line into one PNG: left, microseconds per
 * recommendation against catalog items; right, nanoseconds per event's embedding update against
 * resident users; one series per file (backend and device), log-log axes.
 *
 * <p>Usage: {@code ScalingPlot OUT.png scaling-cpu.json scaling-cuda.json ...}
 */
public final class ScalingPlot {
    private ScalingPlot() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: ScalingPlot OUT.png SCALING.json...");
            System.exit(2);
        }
        XYChart score = new XYChartBuilder().width(640).height(420).title("cost per recommendation (exact top-20)")
                .xAxisTitle("catalog items").yAxisTitle("us per recommendation").build();
        XYChart update = new XYChartBuilder().width(640).height(420).title("cost per event (embedding update)")
                .xAxisTitle("resident users").yAxisTitle("ns per event").build();
        for (XYChart c : List.of(score, update)) {
            c.getStyler().setXAxisLogarithmic(true).setYAxisLogarithmic(true).setLegendPosition(Styler.LegendPosition.InsideNW)
                    .setMarkerSize(6);
        }
        ObjectMapper json = new ObjectMapper();
        for (int i = 1; i < args.length; i++) {
            JsonNode root = json.readTree(Files.readString(Path.of(args[i])));
            String name = root.path("backend").asText() + " d=" + root.path("dim").asInt() + ", "
                    + root.path("queries_per_call").asInt() + " lists/call";
            List<Double> items = new ArrayList<>();
            List<Double> us = new ArrayList<>();
            List<Double> users = new ArrayList<>();
            List<Double> ns = new ArrayList<>();
            for (JsonNode p : root.path("points")) {
                if (p.path("op").asText().equals("score")) {
                    items.add(p.path("items").asDouble());
                    us.add(p.path("us_per_recommendation").asDouble());
                } else if (p.path("op").asText().equals("update")) {
                    users.add(p.path("users").asDouble());
                    ns.add(p.path("ns_per_event").asDouble());
                }
            }
            if (!items.isEmpty()) {
                score.addSeries(name, items, us);
            }
            if (!users.isEmpty()) {
                update.addSeries(root.path("backend").asText() + " d=" + root.path("dim").asInt() + ", "
                        + root.path("events_per_call").asInt() + " events/call", users, ns);
            }
        }
        BitmapEncoder.saveBitmap(List.of(score, update), 1, 2, args[0], BitmapEncoder.BitmapFormat.PNG);
        System.out.println("scaling-plot: wrote " + args[0]);
    }
}
