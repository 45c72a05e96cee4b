package dev.hyperrec.topology.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperrec.avro.InteractionType;
import dev.hyperrec.avro.RecommendedItem;
import dev.hyperrec.avro.Recommendations;
import dev.hyperrec.operators.ItemCatalog;
import dev.hyperrec.operators.ItemKeys;
import dev.hyperrec.operators.internal.cpu.CpuBackend;
import dev.hyperrec.topology.HyperrecConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The final ranking's personal and similarity terms against their definitions, computed here one item at a time:
 * the personal score of a candidate the scorer did not return is {@code (float) sum_d (double) x_d q_d} in dimension
 * order, and the similarity term is {@code (float) sum_a (double) (decay^a · sim(recent_a, item))} over the user's
 * recent items in order. The engine computes both for a whole list at once (four dot products interleaved; each
 * recent item's neighbour list read once), and must give the same bits. One term is weighted 1 and the others 0, so
 * a listed item's score is that term.
 */
class RankingTermsTest {
    /** Not a multiple of four: the interleaved dot products' remainder runs too. */
    private static final int DIM = 23;
    private static final int ITEMS = 300;
    private static final int USERS = 30;

    private static ItemCatalog catalog() {
        return EngineTestSupport.randomCatalog(DIM, ITEMS, 5, 1f, false);
    }

    /** Every item gets 40 random neighbours with random similarities, most similar first. */
    static NeighbourTable neighbours() {
        NeighbourTable t = new NeighbourTable();
        SplittableRandom rnd = new SplittableRandom(6);
        for (int i = 0; i < ITEMS; i++) {
            long[] keys = new long[40];
            float[] sim = new float[40];
            int[] picked = rnd.ints(0, ITEMS).filter(x -> true).distinct().limit(41).toArray();
            int n = 0;
            for (int p : picked) {
                if (p != i && n < 40) {
                    keys[n] = ItemKeys.hash64("i" + p);
                    sim[n++] = (float) rnd.nextDouble();
                }
            }
            Integer[] order = new Integer[n];
            for (int j = 0; j < n; j++) {
                order[j] = j;
            }
            Arrays.sort(order, (a, b) -> Float.compare(sim[b], sim[a]));
            long[] k = new long[n];
            float[] s = new float[n];
            for (int j = 0; j < n; j++) {
                k[j] = keys[order[j]];
                s[j] = sim[order[j]];
            }
            t.put(ItemKeys.hash64("i" + i), new NeighbourTable.Entry(10, k, s));
        }
        return t;
    }

    private static HyperrecConfig config(float personal, float similar) {
        Map<String, Object> m = new HashMap<>();
        m.put(HyperrecConfig.EMBEDDING_DIM, DIM);
        m.put(HyperrecConfig.NEIGHBOURS_ENABLED, false);
        m.put(HyperrecConfig.RECS_ON_INTERACTIONS, false);
        // few personal candidates and long lists: most listed items come from the other sources
        m.put(HyperrecConfig.RECS_CANDIDATES, 10);
        m.put(HyperrecConfig.RANK_WEIGHT_PERSONAL, personal);
        m.put(HyperrecConfig.RANK_WEIGHT_SIMILAR, similar);
        m.put(HyperrecConfig.RANK_WEIGHT_BANDIT, 0);
        m.put(HyperrecConfig.RANK_WEIGHT_POPULARITY, 0);
        return HyperrecConfig.of(m);
    }

    /** Ratings by every user, then (next batch) one request of 80 items per user; the lists by user. */
    private static Map<String, Recommendations> run(RecommenderEngine engine) {
        SplittableRandom rnd = new SplittableRandom(7);
        List<PendingEvent> ratings = new ArrayList<>();
        long seq = 0;
        for (int e = 0; e < 600; e++) {
            long t = 1_000_000L + e;
            ratings.add(new PendingEvent(++seq, false, "e" + seq, "u" + rnd.nextInt(USERS), "i" + rnd.nextInt(ITEMS),
                    InteractionType.RATING.ordinal(), 4.5f, t, t, null, 0, 0, null));
        }
        engine.apply(ratings, out -> { });
        List<PendingEvent> requests = new ArrayList<>();
        for (int u = 0; u < USERS; u++) {
            long t = 2_000_000L + u;
            requests.add(new PendingEvent(++seq, true, "r" + seq, "u" + u, null, -1, 0f, t, t, null, 0, 80, null));
        }
        Map<String, Recommendations> lists = new HashMap<>();
        engine.apply(requests, out -> lists.put(out.recommendations().getUserId(), out.recommendations()));
        return lists;
    }

    /** The similarity term's definition, one (recent item, candidate) pair at a time, summed in double in recency order. */
    private static double similarityTerm(NeighbourTable table, long[] recent, long key, float decay) {
        float w = 1f;
        double s = 0;
        for (long a : recent) {
            s += w * table.similarity(a, key);
            w *= decay;
        }
        return s;
    }

    @Test
    void personalScoresOfEveryListedItemAreTheDotProductInDimensionOrder() {
        ItemCatalog catalog = catalog();
        try (CpuBackend ops = new CpuBackend(); RecommenderEngine engine = new RecommenderEngine(config(1f, 0f), ops, catalog)) {
            engine.itemNeighbours(neighbours());
            Map<String, Recommendations> lists = run(engine);
            assertThat(lists).hasSize(USERS);
            int checked = 0;
            for (Recommendations r : lists.values()) {
                // 10 personal candidates, so most of each list was scored outside the scorer
                assertThat(r.getItems()).hasSizeGreaterThan(30);
                float[] q = new float[DIM];
                engine.users().copyRow(engine.users().indexOf(r.getUserId()), q, 0);
                float[] x = new float[DIM];
                for (RecommendedItem item : r.getItems()) {
                    catalog.copyEmbedding(catalog.indexOf(item.getItemId()), x, 0);
                    double s = 0;
                    for (int d = 0; d < DIM; d++) {
                        s += (double) x[d] * q[d];
                    }
                    assertThat(item.getScore()).as("%s for %s", item.getItemId(), r.getUserId()).isEqualTo((float) s);
                    checked++;
                }
            }
            assertThat(checked).isGreaterThan(USERS * 30);
        }
    }

    @Test
    void similarityTermsOfEveryListedItemAreTheDecayedSumOverTheRecentItemsInOrder() {
        ItemCatalog catalog = catalog();
        NeighbourTable table = neighbours();
        HyperrecConfig config = config(0f, 1f);
        float decay = config.getFloat(HyperrecConfig.RECENT_DECAY);
        try (CpuBackend ops = new CpuBackend(); RecommenderEngine engine = new RecommenderEngine(config, ops, catalog)) {
            engine.itemNeighbours(table);
            Map<String, Recommendations> lists = run(engine);
            assertThat(lists).hasSize(USERS);
            int positive = 0;
            for (Recommendations r : lists.values()) {
                long[] recent = engine.history(engine.users().indexOf(r.getUserId())).recent();
                assertThat(recent).hasSizeGreaterThan(1);
                for (RecommendedItem item : r.getItems()) {
                    double s = similarityTerm(table, recent, ItemKeys.hash64(item.getItemId()), decay);
                    assertThat(item.getScore()).as("%s for %s", item.getItemId(), r.getUserId()).isEqualTo((float) s);
                    if (s > 0) {
                        positive++;
                    }
                }
            }
            // the neighbours' similarities, not only zeros, were compared
            assertThat(positive).isGreaterThan(USERS * 10);
        }
    }
    /**
     * The ranking reads each list's neighbours through catalog slots it resolves once per list and keeps: they must follow
     * the catalog. Every list first names one of 40 items that are not in the catalog yet; they cannot be listed. Then
     * those items are added and 50 others removed, with the same lists: the added items are candidates through the lists
     * from then on, the removed ones never, and every listed item's similarity term is still its definition.
     */
    @Test
    void neighbourListsFollowTheCatalogWhenItemsAreAddedAndRemovedBetweenLists() {
        ItemCatalog catalog = catalog();
        NeighbourTable table = new NeighbourTable();
        NeighbourTable random = neighbours();
        for (int i = 0; i < ITEMS; i++) {
            NeighbourTable.Entry e = random.get(ItemKeys.hash64("i" + i));
            long[] k = new long[e.size() + 1];
            float[] s = new float[e.size() + 1];
            k[0] = ItemKeys.hash64("n" + (i % 40));
            s[0] = 1f; // above every random similarity (< 1): first on the list
            System.arraycopy(e.keys(), 0, k, 1, e.size());
            System.arraycopy(e.similarity(), 0, s, 1, e.size());
            table.put(ItemKeys.hash64("i" + i), new NeighbourTable.Entry(10, k, s));
        }
        HyperrecConfig config = config(0f, 1f);
        float decay = config.getFloat(HyperrecConfig.RECENT_DECAY);
        try (CpuBackend ops = new CpuBackend(); RecommenderEngine engine = new RecommenderEngine(config, ops, catalog)) {
            engine.itemNeighbours(table);
            Map<String, Recommendations> before = run(engine);
            assertThat(before).hasSize(USERS);
            for (Recommendations r : before.values()) {
                assertThat(r.getItems()).noneMatch(item -> item.getItemId().startsWith("n"));
            }
            SplittableRandom rnd = new SplittableRandom(8);
            for (int n = 0; n < 40; n++) {
                float[] v = new float[DIM];
                for (int d = 0; d < DIM; d++) {
                    v[d] = (float) rnd.nextGaussian();
                }
                catalog.upsert("n" + n, v);
            }
            for (int i = 0; i < 50; i++) {
                catalog.remove("i" + i);
            }
            List<PendingEvent> requests = new ArrayList<>();
            for (int u = 0; u < USERS; u++) {
                long t = 3_000_000L + u;
                requests.add(new PendingEvent(10_000 + u, true, "again" + u, "u" + u, null, -1, 0f, t, t, null, 0, 80, null));
            }
            Map<String, Recommendations> after = new HashMap<>();
            engine.apply(requests, out -> after.put(out.recommendations().getUserId(), out.recommendations()));
            assertThat(after).hasSize(USERS);
            int added = 0;
            for (Recommendations r : after.values()) {
                long[] recent = engine.history(engine.users().indexOf(r.getUserId())).recent();
                for (RecommendedItem item : r.getItems()) {
                    String id = item.getItemId();
                    assertThat(id).isNotIn(java.util.stream.IntStream.range(0, 50).mapToObj(i -> "i" + i).toList());
                    if (id.startsWith("n")) {
                        added++;
                    }
                    double s = similarityTerm(table, recent, ItemKeys.hash64(id), decay);
                    assertThat(item.getScore()).as("%s for %s", id, r.getUserId()).isEqualTo((float) s);
                }
            }
            // each user's recent items name some of the added items first on their lists: those lead every list now
            assertThat(added).isGreaterThanOrEqualTo(USERS);
        }
    }
}
