package dev.hyperrec.topology.rerank;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperrec.avro.InteractionType;
import dev.hyperrec.avro.RecommendedItem;
import dev.hyperrec.avro.Recommendations;
import dev.hyperrec.operators.AttentionWeights;
import dev.hyperrec.operators.ItemCatalog;
import dev.hyperrec.operators.internal.cpu.CpuBackend;
import dev.hyperrec.topology.HyperrecConfig;
import dev.hyperrec.topology.engine.PendingEvent;
import dev.hyperrec.topology.engine.RecommenderEngine;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The configuration attaches the stages to the engine, and they act on its lists. */
class RankingStagesTest {
    private static final int DIM = 8;

    /** Random unit items, except that i1 is the first axis and no other item has a component along it. */
    private static ItemCatalog catalog(int items) {
        ItemCatalog c = new ItemCatalog(DIM, items);
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(4);
        for (int i = 0; i < items; i++) {
            float[] v = new float[DIM];
            for (int d = 1; d < DIM; d++) {
                v[d] = i == 1 ? 0f : (float) rnd.nextGaussian();
            }
            v[0] = i == 1 ? 1f : 0f;
            dev.hyperrec.operators.Vectors.normaliseInPlace(v);
            c.upsert("i" + i, v);
        }
        return c;
    }

    private static HyperrecConfig config(Map<String, Object> extra) {
        Map<String, Object> m = new java.util.HashMap<>(Map.of(HyperrecConfig.EMBEDDING_DIM, DIM,
                HyperrecConfig.RECS_ON_INTERACTIONS, false, HyperrecConfig.RECS_POPULAR_CANDIDATES, 40,
                HyperrecConfig.RECS_CANDIDATES, 40, HyperrecConfig.NEIGHBOURS_ENABLED, false));
        m.putAll(extra);
        return HyperrecConfig.of(m);
    }

    private static long seq;

    private static PendingEvent rating(String user, String item, long t) {
        return new PendingEvent(++seq, false, "e" + seq, user, item, InteractionType.RATING.ordinal(), 5f, t, t, null, 0, 0, null);
    }

    /** A request for every candidate (k = 40), so every reranked item is in the list. */
    private static Recommendations request(RecommenderEngine engine, String user, long t) {
        List<Recommendations> got = new ArrayList<>();
        engine.apply(List.of(new PendingEvent(++seq, true, "r" + seq, user, null, -1, 0f, t, t, null, 0, 40, null)),
                e -> got.add(e.recommendations()));
        return got.get(0);
    }

    @Test
    void nothingIsAttachedByDefault() {
        try (CpuBackend ops = new CpuBackend(); RecommenderEngine engine = new RecommenderEngine(config(Map.of()), ops, catalog(10))) {
            assertThat(engine.rankingStages()).isEmpty();
        }
    }

    /**
     * Only the graph term ranks. User x has item i1; six users have i1 and i2, others one item each.
     * g(x, c) = x_i1 · h_c: only i2's users carry i1's direction (h_i2 = (x_i1 + x_i2) / 2), so i2 scores
     * 1/2 and comes first, every other item 0.
     */
    @Test
    void graphSignalRanksCoConsumedItemsFirst() {
        HyperrecConfig cfg = config(Map.of(HyperrecConfig.RANK_WEIGHT_GRAPH, 1.0, HyperrecConfig.RANK_WEIGHT_PERSONAL, 0,
                HyperrecConfig.RANK_WEIGHT_BANDIT, 0, HyperrecConfig.RANK_WEIGHT_POPULARITY, 0, HyperrecConfig.RANK_WEIGHT_SIMILAR, 0));
        try (CpuBackend ops = new CpuBackend(); RecommenderEngine engine = new RecommenderEngine(cfg, ops, catalog(30))) {
            assertThat(engine.rankingStages()).hasSize(1).first().isInstanceOf(GraphSignalStage.class);
            List<PendingEvent> events = new ArrayList<>();
            long t = 1_000_000;
            for (int u = 0; u < 6; u++) { // six users consume i1 and i2 together; i3..i20 once each by others
                events.add(rating("u" + u, "i1", t++));
                events.add(rating("u" + u, "i2", t++));
            }
            for (int i = 3; i < 20; i++) {
                events.add(rating("v" + i, "i" + i, t++));
            }
            events.add(rating("x", "i1", t++));
            engine.apply(events, e -> {
            });
            Recommendations r = request(engine, "x", t);
            assertThat(r.getItems().get(0).getItemId()).isEqualTo("i2");
            assertThat(r.getItems().get(0).getScore()).isCloseTo(0.5f, org.assertj.core.api.Assertions.within(1e-5f));
            assertThat(r.getItems().get(1).getScore()).isCloseTo(0f, org.assertj.core.api.Assertions.within(1e-5f));
            assertThat(r.getItems().get(0).getAttention()).isNull();
            assertThat(engine.rankingStages().get(0).nanos()).isPositive();
        }
    }

    @Test
    void attentionRerankerExplainsTheRerankedItems(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("w.bin");
        AttentionWeights.identity("v1", 4, DIM, ContextFeatures.WIDTH).write(file);
        HyperrecConfig cfg = config(Map.of(HyperrecConfig.RERANK_WEIGHTS_FILE, file.toString(), HyperrecConfig.RERANK_CANDIDATES, 5));
        try (CpuBackend ops = new CpuBackend(); RecommenderEngine engine = new RecommenderEngine(cfg, ops, catalog(30))) {
            assertThat(engine.rankingStages()).hasSize(1).first().isInstanceOf(AttentionStage.class);
            long t = 1_000_000;
            List<PendingEvent> events = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                events.add(rating("u" + (i % 3), "i" + i, t++));
            }
            engine.apply(events, e -> {
            });
            Recommendations r = request(engine, "u0", t);
            int explained = 0;
            double[] perHead = new double[4];
            for (RecommendedItem item : r.getItems()) {
                if (item.getAttention() != null) {
                    explained++;
                    assertThat(item.getAttention()).hasSize(4);
                    for (int h = 0; h < 4; h++) {
                        perHead[h] += item.getAttention().get(h);
                    }
                }
            }
            assertThat(explained).isEqualTo(5);
            for (double s : perHead) {
                assertThat(s).isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-4)); // the 5 reranked items share each head
            }
        }
    }

    /** One identity component pair is the dot product: the configured Mixture-of-Logits scorer gives the dot scorer's lists. */
    @Test
    void mixtureOfLogitsScorerFromConfig(@TempDir Path dir) throws IOException {
        float[] eye = new float[DIM * DIM];
        for (int i = 0; i < DIM; i++) {
            eye[i * DIM + i] = 1f;
        }
        Path file = dir.resolve("mol.bin");
        new dev.hyperrec.operators.MixtureOfLogits("eye", 1, 1, DIM, DIM, eye, eye.clone(), new float[DIM], new float[DIM],
                new float[1]).write(file);
        List<String> withMol = lists(config(Map.of(HyperrecConfig.SCORER_MOL_WEIGHTS, file.toString())));
        List<String> withDot = lists(config(Map.of()));
        assertThat(withMol).isEqualTo(withDot).isNotEmpty();
        dev.hyperrec.operators.MixtureOfLogits.initial("other", 1, 1, 4, DIM * 2, 1).write(file);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> lists(config(Map.of(HyperrecConfig.SCORER_MOL_WEIGHTS, file.toString()))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dimension");
    }

    private static List<String> lists(HyperrecConfig cfg) {
        List<String> out = new ArrayList<>();
        seq = 0; // the same event ids, so the same Thompson draws
        try (CpuBackend ops = new CpuBackend(); RecommenderEngine engine = new RecommenderEngine(cfg, ops, catalog(30))) {
            long t = 1_000_000;
            List<PendingEvent> events = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                events.add(rating("u" + (i % 4), "i" + i, t++));
            }
            engine.apply(events, e -> {
            });
            for (int u = 0; u < 4; u++) {
                for (RecommendedItem item : request(engine, "u" + u, t++).getItems()) {
                    out.add(u + ":" + item.getItemId());
                }
            }
        }
        return out;
    }
}
