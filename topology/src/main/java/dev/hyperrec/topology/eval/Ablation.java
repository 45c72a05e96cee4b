package dev.hyperrec.topology.eval;

import dev.hyperrec.operators.BackendKind;
import dev.hyperrec.operators.Backends;
import dev.hyperrec.operators.OperatorBackend;
import dev.hyperrec.topology.HyperrecConfig;
import dev.hyperrec.topology.engine.RankingStage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The ablation of the {@code hyperrec} method (issue 8): the same prequential replay with one
 * component removed ({@code -similar}, {@code -popularity}, {@code -bandit}, {@code -personal}) or
 * added ({@code +graph}: the 2-hop graph signal at {@code graphWeight}; {@code +attention}: the
 * attention reranker trained on the replay's past, see {@link PrequentialReranker}; {@code +mol}: the
 * Mixture-of-Logits personal scorer trained on the replay's past, see {@link PrequentialMol}), reporting
 * recall@10, NDCG@10, the wall time per engine batch (one request or one learned event) and the
 * time the added stages took in it. A component added here earns its place (on by default) only
 * with NDCG@10 at least 3% higher, relative, at no more than 20% added time per batch, where the
 * added time is the stage's own time over the rest of the batch in the same replay (variants run
 * concurrently on a shared machine, so their batch times are not comparable with each other).
 */
final class Ablation {
    static final List<String> VARIANTS = List.of("hyperrec", "-similar", "-popularity", "-bandit", "-personal", "+graph",
            "+attention", "+graph+attention", "+mol");
    static final double MIN_NDCG_GAIN = 0.03;
    static final double MAX_LATENCY_GAIN = 0.20;

    private Ablation() {
    }

    /** The result of one variant's replay. */
    record Run(String variant, Prequential.Result result, double batchMicros, double stageMicros, double trainSeconds) {
    }

    /** The configuration of a variant. */
    static HyperrecConfig config(String variant, HyperrecConfig base, double graphWeight) {
        HyperrecConfig c = base;
        if (variant.contains("-similar")) {
            c = c.with(HyperrecConfig.NEIGHBOURS_ENABLED, false).with(HyperrecConfig.RANK_WEIGHT_SIMILAR, 0);
        }
        if (variant.contains("-popularity")) {
            c = c.with(HyperrecConfig.RANK_WEIGHT_POPULARITY, 0);
        }
        if (variant.contains("-bandit")) {
            c = c.with(HyperrecConfig.RANK_WEIGHT_BANDIT, 0);
        }
        if (variant.contains("-personal")) {
            c = c.with(HyperrecConfig.RANK_WEIGHT_PERSONAL, 0);
        }
        c = c.with(HyperrecConfig.RANK_WEIGHT_GRAPH, variant.contains("+graph") ? graphWeight : 0);
        return c.with(HyperrecConfig.RERANK_WEIGHTS_FILE, "");
    }

    /** The variant's recommender (the {@code hyperrec} method with the variant's configuration and stages). */
    static EngineRecommender create(String variant, Prequential.Dataset data, OperatorBackend ops, HyperrecConfig base,
            double graphWeight, long seed) {
        HyperrecConfig c = config(variant, base, graphWeight);
        PrequentialMol mol = variant.contains("+mol") ? new PrequentialMol(2, 2, 16, 10_000, seed) : null;
        EngineRecommender r = (EngineRecommender) Evaluate.create("hyperrec", data, mol == null ? ops : mol.backend(ops), c, seed);
        if (mol != null) {
            r.withMol(mol);
        }
        if (variant.contains("+attention")) {
            r.withAttention(new PrequentialReranker(ops, c.getInt(HyperrecConfig.RERANK_HEADS),
                    c.getInt(HyperrecConfig.RERANK_CANDIDATES), 4000, 2, seed));
        }
        return r;
    }

    static List<Run> run(Prequential.Dataset data, List<String> variants, HyperrecConfig base, BackendKind kind,
            double graphWeight, long seed, int threads) throws Exception {
        List<Callable<Run>> tasks = new ArrayList<>();
        for (String v : variants) {
            if (!VARIANTS.contains(v)) {
                throw new IllegalArgumentException("unknown ablation variant '" + v + "'; known: " + VARIANTS);
            }
            tasks.add(() -> {
                try (OperatorBackend ops = Backends.open(kind)) {
                    EngineRecommender r = create(v, data, ops, base, graphWeight, seed);
                    try (r) {
                        Prequential.Result res = Prequential.run(data, r, null);
                        long stageNanos = 0;
                        for (RankingStage s : r.rankingStages()) {
                            stageNanos += s.nanos();
                        }
                        long batches = Math.max(1, r.batches());
                        return new Run(v, new Prequential.Result(v, res.metrics(), res.testPositions(), res.ranks(),
                                res.seconds(), res.events(), res.catalogSize()), r.meanBatchMicros(),
                                stageNanos / 1e3 / batches, r.trainSeconds());
                    }
                }
            });
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(threads, tasks.size())));
        try {
            List<Future<Run>> futures = new ArrayList<>();
            for (Callable<Run> t : tasks) {
                futures.add(pool.submit(t));
            }
            List<Run> runs = new ArrayList<>();
            for (Future<Run> f : futures) {
                try {
                    runs.add(f.get());
                } catch (java.util.concurrent.ExecutionException e) {
                    throw e.getCause() instanceof Exception ex ? ex : e;
                }
            }
            return runs;
        } finally {
            pool.shutdownNow();
        }
    }

    /** The report's "ablation" object. */
    static Map<String, Object> report(List<Run> runs, double graphWeight) {
        Run base = null;
        for (Run r : runs) {
            if (r.variant().equals("hyperrec")) {
                base = r;
            }
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("rule", String.format(Locale.ROOT, "an added component is on by default only with NDCG@10 >= +%.0f%% relative"
                + " at <= +%.0f%% added time per batch (stage time over the rest of the batch)", 100 * MIN_NDCG_GAIN, 100 * MAX_LATENCY_GAIN));
        root.put("graph_weight", graphWeight);
        root.put("batch", "one engine apply: one request (scored and ranked) or one learned event");
        List<Object> rows = new ArrayList<>();
        for (Run r : runs) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("variant", r.variant());
            m.put("recall_at_10", r.result().metrics().recallAt10());
            m.put("ndcg_at_10", r.result().metrics().ndcgAt10());
            m.put("batch_us", r.batchMicros());
            m.put("stage_us_per_batch", r.stageMicros());
            if (r.trainSeconds() > 0) {
                m.put("train_s", r.trainSeconds());
            }
            if (base != null && r != base) {
                double gain = r.result().metrics().ndcgAt10() / base.result().metrics().ndcgAt10() - 1;
                m.put("ndcg_at_10_change", gain);
                if (r.variant().startsWith("+")) {
                    double added = r.stageMicros() / Math.max(1e-9, r.batchMicros() - r.stageMicros());
                    m.put("added_latency", added);
                    m.put("earns_place", gain >= MIN_NDCG_GAIN && added <= MAX_LATENCY_GAIN);
                }
            }
            rows.add(m);
        }
        root.put("variants", rows);
        return root;
    }

    static String markdown(Map<String, Object> ablation) {
        StringBuilder sb = new StringBuilder("\n## Ablation of hyperrec\n\n");
        sb.append("Rule: ").append(ablation.get("rule")).append(". Graph weight ").append(ablation.get("graph_weight"))
                .append(". A batch is ").append(ablation.get("batch")).append(".\n\n");
        sb.append("| variant | recall@10 | NDCG@10 | NDCG change | µs / batch | stage µs / batch | added latency | earns place |\n"
                + "|---|---|---|---|---|---|---|---|\n");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> rows = (List<Map<String, Object>>) ablation.get("variants");
        for (Map<String, Object> m : rows) {
            sb.append(String.format(Locale.ROOT, "| %s | %.4f | %.4f | %s | %.1f | %.1f | %s | %s |%n", m.get("variant"),
                    (Double) m.get("recall_at_10"), (Double) m.get("ndcg_at_10"), pct(m.get("ndcg_at_10_change")),
                    (Double) m.get("batch_us"), (Double) m.get("stage_us_per_batch"), pct(m.get("added_latency")),
                    m.containsKey("earns_place") ? m.get("earns_place") : ""));
        }
        return sb.toString();
    }

    private static String pct(Object v) {
        return v == null ? "" : String.format(Locale.ROOT, "%+.1f%%", 100 * (Double) v);
    }
}
