package dev.hyperrec.topology.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperrec.avro.InteractionType;
import dev.hyperrec.avro.Recommendations;
import dev.hyperrec.operators.EmbeddingUpdateConfig;
import dev.hyperrec.operators.EmbeddingUpdater;
import dev.hyperrec.operators.ForwardingBackend;
import dev.hyperrec.operators.ItemCatalog;
import dev.hyperrec.operators.UpdateBatch;
import dev.hyperrec.operators.UserTable;
import dev.hyperrec.operators.internal.cpu.CpuBackend;
import dev.hyperrec.topology.HyperrecConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A batch's embedding updates are one updater call however often a user repeats in it (a hot user used to cost one
 * call and one read-back of the rows per repeat), and its lists are those of applying the events one at a time: a
 * hot user's events interleaved with its own requests (a request before any update of the batch ranks with the row
 * as it was; later ones with the row after the last update before them), views and skips (no list) and other users,
 * with the seen set at its cap (the exclusions carried between a user's captures in a batch, see
 * {@code RecommenderEngine.exclusions}) or not.
 */
class OneUpdateCallPerBatchTest {
    private static final int DIM = 12;

    /** A backend whose updater counts its calls. */
    private static final class CountingBackend extends ForwardingBackend {
        long calls;

        CountingBackend() {
            super(new CpuBackend());
        }

        @Override
        public EmbeddingUpdater newEmbeddingUpdater(EmbeddingUpdateConfig config) {
            EmbeddingUpdater inner = super.newEmbeddingUpdater(config);
            return new EmbeddingUpdater() {
                @Override
                public void apply(UserTable users, ItemCatalog items, UpdateBatch batch) {
                    calls++;
                    inner.apply(users, items, batch);
                }

                @Override
                public void apply(UserTable users, ItemCatalog items, UpdateBatch batch, int[] snapshotSlot, float[] out) {
                    calls++;
                    inner.apply(users, items, batch, snapshotSlot, out);
                }

                @Override
                public void close() {
                    inner.close();
                }
            };
        }
    }

    private static List<PendingEvent> events() {
        SplittableRandom rnd = new SplittableRandom(3);
        List<PendingEvent> out = new ArrayList<>();
        long seq = 0;
        for (int e = 0; e < 240; e++) {
            long t = 5_000_000L + seq * 7;
            String user = rnd.nextInt(3) > 0 ? "hot" : "u" + rnd.nextInt(20);
            if (rnd.nextInt(6) == 0) {
                float[] q = rnd.nextBoolean() ? null : EngineTestSupport.randomCatalog(DIM, 1, seq, 1f, true).rawEmbeddings();
                out.add(new PendingEvent(++seq, true, "r" + seq, user, null, -1, 0f, t, t, null, 0, 5,
                        q == null ? null : java.util.Arrays.copyOf(q, DIM)));
            } else {
                int kind = rnd.nextInt(10);
                InteractionType type = kind == 0 ? InteractionType.VIEW : kind == 1 ? InteractionType.SKIP : InteractionType.CLICK;
                out.add(new PendingEvent(++seq, false, "e" + seq, user, "i" + rnd.nextInt(150), type.ordinal(), 1f,
                        t, t, null, 0, 0, null));
            }
        }
        return out;
    }

    private static List<String> run(RecommenderEngine engine, List<PendingEvent> events, int batchSize) {
        List<String> lists = new ArrayList<>();
        for (int from = 0; from < events.size(); from += batchSize) {
            engine.apply(events.subList(from, Math.min(events.size(), from + batchSize)), out -> {
                Recommendations r = out.recommendations();
                lists.add(r.getRecommendationId() + " " + r.getItems()); // generatedAt is wall-clock time
            });
        }
        return lists;
    }

    @ParameterizedTest(name = "seen items kept: {0}")
    @ValueSource(ints = {2000, 12})
    void oneUpdaterCallPerBatchAndTheListsOfOneEventAtATime(int seenMax) {
        // with 12 seen items kept the hot user's oldest is evicted at almost every event: a batch's exclusions are then
        // carried from one capture to the next with a key added and one evicted (one-event batches build them anew)
        HyperrecConfig config = HyperrecConfig.of(Map.of(HyperrecConfig.EMBEDDING_DIM, DIM,
                HyperrecConfig.NEIGHBOURS_ENABLED, false, HyperrecConfig.SEEN_MAX, seenMax));
        List<PendingEvent> events = events();
        List<String> batched;
        List<String> single;
        try (CountingBackend ops = new CountingBackend();
             RecommenderEngine engine = new RecommenderEngine(config, ops, EngineTestSupport.randomCatalog(DIM, 150, 8, 0.5f, true))) {
            batched = run(engine, events, 80);
            assertThat(ops.calls).as("three batches of 80 events, the hot user about 53 times in each").isEqualTo(3);
        }
        try (CountingBackend ops = new CountingBackend();
             RecommenderEngine engine = new RecommenderEngine(config, ops, EngineTestSupport.randomCatalog(DIM, 150, 8, 0.5f, true))) {
            single = run(engine, events, 1);
        }
        assertThat(batched).hasSizeGreaterThan(150).containsExactlyElementsOf(single);
    }

    @Test
    void sortedInsertAndRemoveKeepTheArrayAndNeverChangeTheirInput() {
        int[] a = {2, 5, 9};
        assertThat(RecommenderEngine.with(a, 7)).containsExactly(2, 5, 7, 9);
        assertThat(RecommenderEngine.with(a, 0)).containsExactly(0, 2, 5, 9);
        assertThat(RecommenderEngine.with(a, 11)).containsExactly(2, 5, 9, 11);
        assertThat(RecommenderEngine.with(a, 5)).isSameAs(a);
        assertThat(RecommenderEngine.with(a, -1)).isSameAs(a);
        assertThat(RecommenderEngine.without(a, 5)).containsExactly(2, 9);
        assertThat(RecommenderEngine.without(a, 2)).containsExactly(5, 9);
        assertThat(RecommenderEngine.without(a, 9)).containsExactly(2, 5);
        assertThat(RecommenderEngine.without(a, 4)).isSameAs(a);
        assertThat(RecommenderEngine.without(a, -1)).isSameAs(a);
        assertThat(a).containsExactly(2, 5, 9);
    }
}
