package dev.hyperrec.topology.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperrec.avro.InteractionType;
import dev.hyperrec.avro.Recommendations;
import dev.hyperrec.operators.ForwardingBackend;
import dev.hyperrec.operators.ItemCatalog;
import dev.hyperrec.operators.ScoreBatch;
import dev.hyperrec.operators.Scorer;
import dev.hyperrec.operators.TopKResult;
import dev.hyperrec.operators.internal.cpu.CpuBackend;
import dev.hyperrec.topology.HyperrecConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * With a scorer that takes extra items ({@link Scorer#extrasOnDevice()}, the CUDA scorer), the engine passes each
 * list's foreseen candidates (cached similar rows, item-to-item neighbours, the hot set) with its query and ranks with
 * the scores it gets back; the candidates it did not foresee (the batch's cache rebuilds and hot-set changes) it scores
 * itself. The lists must be those of the host-only ranking bit for bit, and extras scored before a catalog change must
 * not be used after it. The scorer here is the CPU reference under a flag that says "on device".
 */
class ForeseenCandidatesTest {
    private static final int DIM = 23;
    private static final int ITEMS = 300;

    /** Hands every call to the CPU scorer, says whether extras are wanted, counts them, and may change the catalog after each call. */
    private static final class Backend extends ForwardingBackend {
        private final boolean extras;
        private final ItemCatalog changeAfterEachCall;
        long extrasScored;
        /** Extra items that their query excludes: a list never ranks those, so foreseeing them is wasted device work. */
        long extrasExcluded;
        int calls;

        Backend(boolean extras, ItemCatalog changeAfterEachCall) {
            super(new CpuBackend());
            this.extras = extras;
            this.changeAfterEachCall = changeAfterEachCall;
        }

        @Override
        public Scorer newScorer() {
            Scorer cpu = super.newScorer();
            return new Scorer() {
                @Override
                public void topK(ItemCatalog items, ScoreBatch batch, int k, TopKResult out) {
                    cpu.topK(items, batch, k, out);
                    extrasScored += batch.extrasTotal();
                    for (int q = 0; q < batch.size(); q++) {
                        int[] excluded = batch.exclude(q);
                        for (int x : batch.extras(q)) {
                            if (excluded != null && java.util.Arrays.binarySearch(excluded, x) >= 0) {
                                extrasExcluded++;
                            }
                        }
                    }
                    if (changeAfterEachCall != null) {
                        // another thread's catalog update between the scoring call and the ranking: one of the most
                        // clicked items moves, and so would every extra score of it
                        float[] v = new float[DIM];
                        changeAfterEachCall.copyEmbedding(calls % 5, v, 0);
                        for (int d = 0; d < DIM; d++) {
                            v[d] = -0.5f * v[d] + 0.01f * d;
                        }
                        changeAfterEachCall.upsert("i" + calls % 5, v);
                    }
                    calls++;
                }

                @Override
                public boolean extrasOnDevice() {
                    return extras;
                }

                @Override
                public void close() {
                    cpu.close();
                }
            };
        }
    }

    private static HyperrecConfig config(boolean extras) {
        Map<String, Object> m = new HashMap<>();
        m.put(HyperrecConfig.SCORER_EXTRAS, extras);
        m.put(HyperrecConfig.EMBEDDING_DIM, DIM);
        m.put(HyperrecConfig.NEIGHBOURS_ENABLED, false);
        m.put(HyperrecConfig.RECS_CANDIDATES, 10);
        // the popular-item cache is rebuilt within batches, so some lists meet rows their capture did not see
        m.put(HyperrecConfig.CACHE_CHECK_EVERY_EVENTS, 7);
        m.put(HyperrecConfig.CACHE_DRIFT_THRESHOLD, 0.05);
        return HyperrecConfig.of(m);
    }

    private record Run(List<String> lists, long fromScorer, long onHost, long extrasScored, long extrasExcluded) {
    }

    private static Run run(Backend backend, ItemCatalog catalog) {
        return run(backend, catalog, true);
    }

    private static Run run(Backend backend, ItemCatalog catalog, boolean extras) {
        List<String> lists = new ArrayList<>();
        try (backend; RecommenderEngine engine = new RecommenderEngine(config(extras), backend, catalog)) {
            engine.itemNeighbours(RankingTermsTest.neighbours());
            for (List<PendingEvent> batch : batches(11, 25, ITEMS)) {
                engine.apply(batch, out -> {
                    Recommendations r = out.recommendations();
                    lists.add(r.getRecommendationId() + " " + r.getItems()); // generatedAt is wall-clock time
                });
            }
            return new Run(lists, engine.personalScoresFromScorer(), engine.personalScoresOnHost(), backend.extrasScored,
                    backend.extrasExcluded);
        }
    }

    @Test
    void theListsAreTheHostRankingsWithMostPersonalScoresFromTheScorer() {
        Run host = run(new Backend(false, null), EngineTestSupport.randomCatalog(DIM, ITEMS, 3, 1f, false));
        Run extras = run(new Backend(true, null), EngineTestSupport.randomCatalog(DIM, ITEMS, 3, 1f, false));
        assertThat(host.lists()).hasSize(900);
        assertThat(extras.lists()).containsExactlyElementsOf(host.lists());
        assertThat(host.extrasScored()).isZero();
        assertThat(host.fromScorer()).isZero();
        // every candidate's personal score is needed by both, from one place or the other
        assertThat(extras.fromScorer() + extras.onHost()).isEqualTo(host.onHost());
        assertThat(extras.fromScorer()).as("foreseen").isGreaterThan(4 * extras.onHost());
        assertThat(extras.onHost()).as("not foreseen: rows of a cache rebuilt within the batch").isPositive();
        assertThat(extras.extrasScored()).as("foreseen items scored").isPositive();
        assertThat(extras.extrasExcluded()).as("foreseen items their query excludes").isZero();
    }

    @Test
    void extrasScoredBeforeACatalogChangeAreNotUsedAfterIt() {
        ItemCatalog a = EngineTestSupport.randomCatalog(DIM, ITEMS, 3, 1f, false);
        ItemCatalog b = EngineTestSupport.randomCatalog(DIM, ITEMS, 3, 1f, false);
        Run host = run(new Backend(false, a), a);
        Run extras = run(new Backend(true, b), b);
        assertThat(extras.extrasScored()).isPositive();
        assertThat(extras.fromScorer()).isZero();
        assertThat(extras.lists()).hasSize(900).containsExactlyElementsOf(host.lists());
    }

    /** 15 batches of 60 clicks of {@code users} users on items {@code i0 … i(items-1)}, seeded. */
    private static List<List<PendingEvent>> batches(long seed, int users, int items) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<List<PendingEvent>> out = new ArrayList<>();
        long seq = 0;
        for (int b = 0; b < 15; b++) {
            List<PendingEvent> batch = new ArrayList<>();
            for (int e = 0; e < 60; e++) {
                long t = 1_000_000L + seq * 10;
                String item = "i" + (int) Math.min(items - 1, Math.abs(rnd.nextGaussian() * 60));
                batch.add(new PendingEvent(++seq, false, "e" + seq, "u" + rnd.nextInt(users), item,
                        InteractionType.CLICK.ordinal(), 1f, t, t, null, rnd.nextInt(3), 0, null));
            }
            out.add(batch);
        }
        return out;
    }

    /** An engine with extras on a device-like scorer, and the lists it emits. */
    private static final class Ranked implements AutoCloseable {
        final Backend backend = new Backend(true, null);
        final RecommenderEngine engine;
        final List<String> lists = new ArrayList<>();

        Ranked(ItemCatalog catalog) {
            // the cache is checked at every event and rebuilt at any drift: many lists meet candidates they did not
            // foresee, whose scores must come from the host and never from another engine's extras in the scratch
            engine = new RecommenderEngine(config(true).with(HyperrecConfig.CACHE_CHECK_EVERY_EVENTS, "1")
                    .with(HyperrecConfig.CACHE_DRIFT_THRESHOLD, "0"), backend, catalog);
            engine.itemNeighbours(RankingTermsTest.neighbours());
        }

        void apply(List<PendingEvent> batch) {
            engine.apply(batch, out -> lists.add(out.recommendations().getRecommendationId() + " " + out.recommendations().getItems()));
        }

        @Override
        public void close() {
            engine.close();
            backend.close();
        }
    }

    private static <T> T onANewThread(java.util.concurrent.Callable<T> work) throws Exception {
        java.util.concurrent.ExecutorService one = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            return one.submit(work).get();
        } finally {
            one.shutdownNow();
        }
    }

    /**
     * The ranking's catalog-sized scratch is its thread's, not its engine's (a stream thread runs many tasks): two engines
     * with catalogs of other contents and sizes take turns, batch by batch, on one thread, and each ranks exactly as it
     * does alone on a thread of its own, the scorer's extras (stamped in the shared scratch) included.
     */
    @Test
    void enginesTakingTurnsOnOneThreadRankAsEachDoesAlone() throws Exception {
        List<List<PendingEvent>> inA = batches(11, 25, ITEMS);
        List<List<PendingEvent>> inB = batches(12, 40, 450);
        java.util.function.IntFunction<ItemCatalog> catalog = items -> EngineTestSupport.randomCatalog(DIM, items, items, 1f, false);
        List<String> aloneA = onANewThread(() -> {
            try (Ranked a = new Ranked(catalog.apply(ITEMS))) {
                inA.forEach(a::apply);
                return a.lists;
            }
        });
        List<String> aloneB = onANewThread(() -> {
            try (Ranked b = new Ranked(catalog.apply(450))) {
                inB.forEach(b::apply);
                return b.lists;
            }
        });
        List<List<String>> turns = onANewThread(() -> {
            try (Ranked a = new Ranked(catalog.apply(ITEMS)); Ranked b = new Ranked(catalog.apply(450))) {
                for (int i = 0; i < inA.size(); i++) {
                    a.apply(inA.get(i));
                    b.apply(inB.get(i));
                }
                assertThat(a.engine.personalScoresFromScorer()).isPositive();
                assertThat(b.engine.personalScoresFromScorer()).isPositive();
                assertThat(RecommenderEngine.scratch().knownStamp.length).as("one scratch, sized for the larger catalog")
                        .isGreaterThanOrEqualTo(450);
                return List.of(a.lists, b.lists);
            }
        });
        assertThat(aloneA).hasSize(900);
        assertThat(turns.get(0)).containsExactlyElementsOf(aloneA);
        assertThat(turns.get(1)).hasSize(900).containsExactlyElementsOf(aloneB);
    }

    @Test
    void extrasCanBeTurnedOff() {
        Run host = run(new Backend(false, null), EngineTestSupport.randomCatalog(DIM, ITEMS, 3, 1f, false));
        Run off = run(new Backend(true, null), EngineTestSupport.randomCatalog(DIM, ITEMS, 3, 1f, false), false);
        assertThat(off.extrasScored()).isZero();
        assertThat(off.fromScorer()).isZero();
        assertThat(off.onHost()).isEqualTo(host.onHost());
        assertThat(off.lists()).hasSize(900).containsExactlyElementsOf(host.lists());
    }
}
