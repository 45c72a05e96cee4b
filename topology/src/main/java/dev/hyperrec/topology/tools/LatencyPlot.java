package dev.hyperrec.topology.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * Draws the latency phases of several {@link PipelineBench} runs of one setup, each under a label (e.g. one per
 * configuration), into one PNG: p50 and p99 event-to-list latency against the offered rate.
 *
 * <p>Usage: {@code LatencyPlot OUT.png "TITLE" LABEL=pipeline-a.json LABEL=pipeline-b.json ...}
 */
public final class LatencyPlot {
    private LatencyPlot() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 3) {
            System.err.println("usage: LatencyPlot OUT.png TITLE LABEL=PIPELINE.json...");
            System.exit(2);
        }
        ObjectMapper json = new ObjectMapper();
        XYChart chart = new XYChartBuilder().width(900).height(620).title(args[1])
                .xAxisTitle("offered events/s").yAxisTitle("event -> list, ms (log)").build();
        chart.getStyler().setXAxisLogarithmic(true).setYAxisLogarithmic(true).setLegendPosition(Styler.LegendPosition.OutsideE);
        for (int i = 2; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("expected LABEL=PIPELINE.json, got " + args[i]);
            }
            String label = args[i].substring(0, eq);
            JsonNode run = json.readTree(Files.readString(Path.of(args[i].substring(eq + 1))));
            PipelinePlot.addLatency(chart, run, label, true);
        }
        BitmapEncoder.saveBitmap(chart, args[0], BitmapEncoder.BitmapFormat.PNG);
        System.out.println("latency-plot: wrote " + args[0]);
    }
}
