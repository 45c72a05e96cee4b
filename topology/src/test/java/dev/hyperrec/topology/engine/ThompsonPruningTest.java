package dev.hyperrec.topology.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperrec.avro.InteractionType;
import dev.hyperrec.avro.Recommendations;
import dev.hyperrec.operators.ForwardingBackend;
import dev.hyperrec.operators.ItemCatalog;
import dev.hyperrec.operators.ThompsonSampler;
import dev.hyperrec.operators.internal.cpu.CpuBackend;
import dev.hyperrec.topology.HyperrecConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The engine draws Thompson samples only for the candidates whose draw can change the list (a candidate whose total
 * with the largest possible draw is below the k-th smallest possible total of the others is never shown). The lists
 * must be exactly those of drawing every candidate, which the engine does when a ranking stage is attached (a stage
 * may change the totals after the draws); here the stage changes nothing.
 */
class ThompsonPruningTest {
    private static final int DIM = 16;
    private static final int ITEMS = 400;

    /** A backend whose sampler counts the draws asked of it. */
    private static final class CountingBackend extends ForwardingBackend {
        EngineTestSupport.CountingSampler sampler;

        CountingBackend() {
            super(new CpuBackend());
        }

        @Override
        public ThompsonSampler newThompsonSampler(long seed) {
            sampler = new EngineTestSupport.CountingSampler(super.newThompsonSampler(seed));
            return sampler;
        }
    }

    /** Changes nothing: its presence makes the engine draw every candidate. */
    private static final class NoOpStage implements RankingStage {
        @Override
        public void observe(PendingEvent event, int user, int item, float weight) {
        }

        @Override
        public void adjust(Candidates candidates) {
        }

        @Override
        public long nanos() {
            return 0;
        }
    }

    private static ItemCatalog catalog() {
        return EngineTestSupport.randomCatalog(DIM, ITEMS, 21, 0.3f, false);
    }

    /** Clicks with list impressions and rewards in between, so the bandit's alpha and beta differ per item. */
    private static List<String> run(RecommenderEngine engine, float banditWeight) {
        List<String> lists = new ArrayList<>();
        SplittableRandom rnd = new SplittableRandom(5);
        long seq = 0;
        for (int b = 0; b < 20; b++) {
            List<PendingEvent> batch = new ArrayList<>();
            for (int e = 0; e < 60; e++) {
                long t = 1_000_000L + seq * 10;
                String item = "i" + (int) Math.min(ITEMS - 1, Math.abs(rnd.nextGaussian() * 60));
                batch.add(new PendingEvent(++seq, false, "e" + seq, "u" + rnd.nextInt(25), item, InteractionType.CLICK.ordinal(), 1f,
                        t, t, rnd.nextInt(3) == 0 ? "evt:e" + Math.max(1, seq - 5) : null, rnd.nextInt(3), 0, null));
            }
            engine.apply(batch, out -> {
                Recommendations r = out.recommendations();
                lists.add(r.getRecommendationId() + " " + r.getItems()); // generatedAt is wall-clock time
            });
        }
        return lists;
    }

    private static HyperrecConfig config(float banditWeight) {
        Map<String, Object> m = new HashMap<>();
        m.put(HyperrecConfig.EMBEDDING_DIM, DIM);
        m.put(HyperrecConfig.NEIGHBOURS_ENABLED, false);
        m.put(HyperrecConfig.RANK_WEIGHT_BANDIT, banditWeight);
        return HyperrecConfig.of(m);
    }

    @Test
    void theListsAreThoseOfDrawingEveryCandidateWithFarFewerDraws() {
        for (float wb : new float[] {0.02f, 0.3f, 5f}) {
            List<String> pruned;
            List<String> full;
            long prunedDraws;
            long fullDraws;
            try (CountingBackend ops = new CountingBackend(); RecommenderEngine engine = new RecommenderEngine(config(wb), ops, catalog())) {
                pruned = run(engine, wb);
                prunedDraws = ops.sampler.draws;
                assertThat(ops.sampler.calls).as("one sampling call per list").isEqualTo(pruned.size());
            }
            try (CountingBackend ops = new CountingBackend(); RecommenderEngine engine = new RecommenderEngine(config(wb), ops, catalog())) {
                engine.addRankingStage(new NoOpStage());
                full = run(engine, wb);
                fullDraws = ops.sampler.draws;
            }
            assertThat(pruned).as("w_b %s", wb).hasSize(1200).containsExactlyElementsOf(full);
            // with a large bandit weight a draw can lift almost any candidate into the list: few or none are left out
            assertThat(prunedDraws).as("w_b %s: draws", wb).isLessThanOrEqualTo(fullDraws);
            if (wb == 0.02f) {
                // the default weight: a draw moves a total by at most 0.02, so most candidates are out of reach
                assertThat(prunedDraws).isLessThan(fullDraws / 2);
            }
        }
    }
}
