package dev.hyperrec.topology.eval;

import dev.hyperrec.topology.HyperrecConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Writes {@code report.json}, {@code report.md} and the moving-window recall plot {@code recall.png}. */
final class Report {
    private Report() {
    }

    static void write(Path dir, Prequential.Dataset data, List<Prequential.Result> results, long popularHalfLifeMs,
            List<Map<String, Object>> popularGrid, Map<String, Object> bandit, HyperrecConfig hyperrec, long seed,
            int window, double seconds, String command, Map<String, Object> ablation) throws IOException {
        Files.createDirectories(dir);
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("dataset", data.name());
        root.put("events", data.events().size());
        root.put("test_events", data.testEvents());
        root.put("train_events", data.trainEvents());
        root.put("users", data.users());
        root.put("items", data.items());
        root.put("protocol", "prequential test-then-learn in timestamp order (ties in file order); first "
                + data.trainEvents() + " events train only; test = rating >= 4 by a user with an earlier event; "
                + "top-20 excluding the user's rated items; every event is learned after it is scored");
        root.put("seed", seed);
        List<Object> methods = new ArrayList<>();
        for (Prequential.Result r : results) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", r.name());
            m.put("recall_at_10", r.metrics().recallAt10());
            m.put("recall_at_20", r.metrics().recallAt20());
            m.put("ndcg_at_10", r.metrics().ndcgAt10());
            m.put("catalog_coverage_at_10", r.metrics().coverageAt10(r.catalogSize()));
            m.put("events_per_s", r.eventsPerSecond());
            if (r.name().equals("popular")) {
                m.put("half_life_days", popularHalfLifeMs / 86_400_000.0);
                m.put("half_life_grid", popularGrid);
            }
            methods.add(m);
        }
        root.put("methods", methods);
        root.put("bandit", bandit);
        if (ablation != null) {
            root.put("ablation", ablation);
        }
        Map<String, Object> cfg = new LinkedHashMap<>();
        hyperrec.asMap().forEach((k, v) -> {
            if (k.startsWith("hyperrec.")) {
                cfg.put(k, v);
            }
        });
        root.put("hyperrec_config", cfg);
        root.put("command", command);
        Files.writeString(dir.resolve("report.json"), Json.write(root), StandardCharsets.UTF_8);
        try {
            plot(dir.resolve("recall.png"), data, results, window);
        } catch (RuntimeException | InternalError e) {
            // a runtime without fonts (a jlinked JRE on the GPU machine: "Fontconfig head is null"); every
            // figure is in report.json and report.md, and the run must not fail after the replay
            Files.deleteIfExists(dir.resolve("recall.png"));
            System.err.println("evaluate: no recall.png (" + e + ")");
        }
        Files.writeString(dir.resolve("report.md"), markdown(data, results, popularHalfLifeMs, popularGrid, bandit,
                seconds, command) + (ablation == null ? "" : Ablation.markdown(ablation)), StandardCharsets.UTF_8);
    }

    static String markdown(Prequential.Dataset data, List<Prequential.Result> results, long popularHalfLifeMs,
            List<Map<String, Object>> grid, Map<String, Object> bandit, double seconds, String command) {
        StringBuilder sb = new StringBuilder();
        sb.append("# Evaluation: ").append(data.name()).append("\n\n");
        sb.append(String.format(Locale.ROOT, "%,d events, %,d users, %,d items; the first %,d events train only; "
                + "%,d test events (rating ≥ 4 by a user with an earlier event). Top-20 lists exclude the user's rated "
                + "items; every event is learned after it is scored. Run time %.1f s.%n%n",
                data.events().size(), data.users(), data.items(), data.trainEvents(), data.testEvents(), seconds));
        sb.append("Command: `").append(command).append("`\n\n");
        sb.append("| method | recall@10 | recall@20 | NDCG@10 | coverage@10 | events/s |\n|---|---|---|---|---|---|\n");
        double pop = Double.NaN;
        for (Prequential.Result r : results) {
            if (r.name().equals("popular")) {
                pop = r.metrics().recallAt10();
            }
        }
        for (Prequential.Result r : results) {
            sb.append(String.format(Locale.ROOT, "| %s | %.4f%s | %.4f | %.4f | %.4f | %,.0f |%n", r.name(),
                    r.metrics().recallAt10(), Double.isNaN(pop) || r.name().equals("popular") ? ""
                            : String.format(Locale.ROOT, " (%.2f×)", r.metrics().recallAt10() / pop),
                    r.metrics().recallAt20(), r.metrics().ndcgAt10(), r.metrics().coverageAt10(r.catalogSize()),
                    r.eventsPerSecond()));
        }
        if (!grid.isEmpty()) {
            sb.append(String.format(Locale.ROOT, "%n`popular` is the best of the Count-Min half-lives tried "
                    + "(0 = all-time): %.4g days.%n%n| half-life (days) | recall@10 | NDCG@10 |%n|---|---|---|%n",
                    popularHalfLifeMs / 86_400_000.0));
            for (Map<String, Object> g : grid) {
                sb.append(String.format(Locale.ROOT, "| %s | %.4f | %.4f |%n", g.get("half_life_days"),
                        (Double) g.get("recall_at_10"), (Double) g.get("ndcg_at_10")));
            }
        }
        sb.append("\n![moving-window recall@10](recall.png)\n");
        if (bandit != null) {
            sb.append("\n## Bandit replay (Open Bandit Dataset)\n\n").append(bandit.get("method")).append("\n\n");
            sb.append("| campaign | policy | CTR | 95% CI | impressions |\n|---|---|---|---|---|\n");
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> campaigns = (List<Map<String, Object>>) bandit.get("campaigns");
            List<Map<String, Object>> rows = new ArrayList<>(campaigns);
            Map<String, Object> pooled = new LinkedHashMap<>((Map<String, Object>) bandit.get("pooled"));
            pooled.put("campaign", "pooled");
            rows.add(pooled);
            for (Map<String, Object> c : rows) {
                for (String p : new String[] {"hyperrec_ts", "hyperrec_ts_observing_log", "hyperrec_ts_observing_both_logs",
                        "logged_bts", "logged_random"}) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> e = (Map<String, Object>) c.get(p);
                    sb.append(String.format(Locale.ROOT, "| %s | %s | %.3f%% | [%.3f%%, %.3f%%] | %s |%n", c.get("campaign"), p,
                            100 * (Double) e.get("ctr"), 100 * (Double) e.get("ci95_low"), 100 * (Double) e.get("ci95_high"),
                            e.containsKey("impressions_per_run") ? e.get("impressions_per_run") + " per run" : e.get("impressions")));
                }
            }
            sb.append("\nCan the logs tell the arms apart? Pearson chi-square test that every arm of a log has the same CTR, "
                    + "and of the BTS log's CTR against the random log's:\n\n"
                    + "| campaign | log | arms | clicks | χ² | df | p (asymptotic) | p (permutation) |\n|---|---|---|---|---|---|---|---|\n");
            for (Map<String, Object> c : campaigns) {
                @SuppressWarnings("unchecked")
                Map<String, Map<String, Object>> h = (Map<String, Map<String, Object>>) c.get("arm_homogeneity");
                for (String log : new String[] {"random", "bts"}) {
                    Map<String, Object> e = h.get(log);
                    sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %.1f | %s | %.3f | %.3f |%n", c.get("campaign"), log,
                            e.get("arms_shown"), e.get("clicks"), (Double) e.get("chi2"), e.get("df"),
                            (Double) e.get("p_asymptotic"), (Double) e.get("p_permutation")));
                }
            }
            sb.append("\n| campaign | BTS CTR − random CTR | χ² | p |\n|---|---|---|---|\n");
            for (Map<String, Object> c : rows) {
                @SuppressWarnings("unchecked")
                Map<String, Object> e = (Map<String, Object>) c.get("bts_vs_random");
                sb.append(String.format(Locale.ROOT, "| %s | %+.3f%% | %.2f | %.3f |%n", c.get("campaign"),
                        100 * (Double) e.get("ctr_difference"), (Double) e.get("chi2"), (Double) e.get("p")));
            }
        }
        return sb.toString();
    }

    static String banditLine(Map<String, Object> bandit) {
        return String.format(Locale.ROOT,
                "hyperrec_ts_ctr=%.4f%% observing_log_ctr=%.4f%% observing_both_logs_ctr=%.4f%% logged_bts_ctr=%.4f%% logged_random_ctr=%.4f%%",
                100 * (Double) bandit.get("hyperrec_ctr"), 100 * (Double) bandit.get("hyperrec_observing_log_ctr"),
                100 * (Double) bandit.get("hyperrec_observing_both_logs_ctr"), 100 * (Double) bandit.get("logged_bts_ctr"),
                100 * (Double) bandit.get("logged_random_ctr"));
    }

    static void plot(Path png, Prequential.Dataset data, List<Prequential.Result> results, int window) throws IOException {
        XYChart chart = new XYChartBuilder().width(900).height(500)
                .title("Moving-window recall@10 (" + window + " test events), " + data.name())
                .xAxisTitle("event in replay order").yAxisTitle("recall@10").build();
        chart.getStyler().setMarkerSize(0);
        for (Prequential.Result r : results) {
            int n = r.ranks().length;
            if (n == 0) {
                continue;
            }
            int w = Math.max(1, Math.min(window, n));
            int step = Math.max(1, n / 300);
            List<Double> xs = new ArrayList<>();
            List<Double> ys = new ArrayList<>();
            int hits = 0;
            for (int i = 0; i < n; i++) {
                int rank = r.ranks()[i];
                hits += rank >= 1 && rank <= 10 ? 1 : 0;
                if (i >= w) {
                    int old = r.ranks()[i - w];
                    hits -= old >= 1 && old <= 10 ? 1 : 0;
                }
                if (i >= w - 1 && ((i - (w - 1)) % step == 0 || i == n - 1)) {
                    xs.add((double) r.testPositions()[i]);
                    ys.add((double) hits / w);
                }
            }
            if (!xs.isEmpty()) {
                XYSeries s = chart.addSeries(r.name(), xs, ys);
                s.setMarker(SeriesMarkers.NONE);
                s.setLineColor(switch (r.name()) {
                    case "random" -> java.awt.Color.GRAY;
                    case "popular" -> new java.awt.Color(0xE6, 0x7E, 0x22);
                    case "item-knn" -> new java.awt.Color(0x8E, 0x44, 0xAD);
                    case "seed-ema" -> new java.awt.Color(0x27, 0xAE, 0x60);
                    case "isgd" -> new java.awt.Color(0xC0, 0x39, 0x2B);
                    default -> new java.awt.Color(0x1F, 0x5F, 0xD0);
                });
                if (r.name().equals("hyperrec")) {
                    s.setLineWidth(2.5f);
                }
            }
        }
        BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
