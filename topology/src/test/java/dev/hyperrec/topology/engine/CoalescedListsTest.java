package dev.hyperrec.topology.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperrec.avro.InteractionType;
import dev.hyperrec.avro.Recommendations;
import dev.hyperrec.operators.internal.cpu.CpuBackend;
import dev.hyperrec.topology.HyperrecConfig;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code hyperrec.recs.coalesce}: a triggering interaction followed in its batch by another of the same user yields no
 * list; the later list stands for it. The lists that are emitted are those of applying the events one at a time with
 * the left-out events not triggering (so coalescing changes which lists exist, never what a list holds), requests always
 * get their own, and each left-out event is reported with the list that stands for it.
 */
class CoalescedListsTest {
    private static final int DIM = 12;
    private static final int BATCH = 60;

    /** A hot user and twenty others: clicks, ratings, views and skips (no list), and requests. */
    private static List<PendingEvent> events() {
        SplittableRandom rnd = new SplittableRandom(11);
        List<PendingEvent> out = new ArrayList<>();
        long seq = 0;
        for (int e = 0; e < 240; e++) {
            long t = 5_000_000L + seq * 7;
            String user = rnd.nextInt(3) > 0 ? "hot" : "u" + rnd.nextInt(20);
            if (rnd.nextInt(7) == 0) {
                out.add(new PendingEvent(++seq, true, "r" + seq, user, null, -1, 0f, t, t, null, 0, 5, null));
            } else {
                int kind = rnd.nextInt(10);
                InteractionType type = kind == 0 ? InteractionType.VIEW : kind == 1 ? InteractionType.SKIP
                        : kind == 2 ? InteractionType.RATING : InteractionType.CLICK;
                out.add(new PendingEvent(++seq, false, "e" + seq, user, "i" + rnd.nextInt(150), type.ordinal(),
                        type == InteractionType.RATING ? 4f : 1f, t, t, null, 0, 0, null));
            }
        }
        return out;
    }

    private static HyperrecConfig config(boolean coalesce, int seenMax) {
        return HyperrecConfig.of(Map.of(HyperrecConfig.EMBEDDING_DIM, DIM, HyperrecConfig.NEIGHBOURS_ENABLED, false,
                HyperrecConfig.SEEN_MAX, seenMax, HyperrecConfig.RECS_COALESCE, coalesce));
    }

    private static RecommenderEngine engine(HyperrecConfig config) {
        return new RecommenderEngine(config, new CpuBackend(), EngineTestSupport.randomCatalog(DIM, 150, 8, 0.5f, true));
    }

    private static String describe(Recommendations r) {
        return r.getRecommendationId() + " " + r.getItems(); // generatedAt is wall-clock time
    }

    /** The rule written out on its own: a triggering click or rating with a later one of the same user in its batch. */
    private static BitSet expectedLeftOut(List<PendingEvent> events) {
        BitSet out = new BitSet();
        for (int from = 0; from < events.size(); from += BATCH) {
            int to = Math.min(events.size(), from + BATCH);
            for (int i = from; i < to; i++) {
                PendingEvent e = events.get(i);
                if (e.request() || !triggering(e)) {
                    continue;
                }
                for (int j = i + 1; j < to; j++) {
                    PendingEvent l = events.get(j);
                    if (!l.request() && triggering(l) && l.userId().equals(e.userId())) {
                        out.set(i);
                        break;
                    }
                }
            }
        }
        return out;
    }

    private static boolean triggering(PendingEvent e) {
        InteractionType t = InteractionType.values()[e.type()];
        return t == InteractionType.CLICK || t == InteractionType.RATING || t == InteractionType.PURCHASE;
    }

    @ParameterizedTest(name = "seen items kept: {0}")
    @ValueSource(ints = {2000, 12})
    void theListsEmittedAreThoseOfOneEventAtATimeWithTheLeftOutOnesSilent(int seenMax) {
        List<PendingEvent> events = events();
        BitSet leftOut = expectedLeftOut(events);
        List<String> coalesced = new ArrayList<>();
        Map<String, List<Long>> coversByList = new HashMap<>();
        long reported;
        try (RecommenderEngine engine = engine(config(true, seenMax))) {
            for (int from = 0; from < events.size(); from += BATCH) {
                engine.apply(events.subList(from, Math.min(events.size(), from + BATCH)), out -> {
                    coalesced.add(describe(out.recommendations()));
                    coversByList.put(out.recommendations().getRecommendationId(),
                            out.covers().stream().map(PendingEvent::seq).toList());
                });
            }
            reported = engine.coalescedLists();
        }
        List<String> silentOneAtATime = new ArrayList<>();
        List<String> every = new ArrayList<>();
        try (RecommenderEngine silent = engine(config(false, seenMax)); RecommenderEngine all = engine(config(false, seenMax))) {
            for (int i = 0; i < events.size(); i++) {
                BitSet mute = new BitSet();
                mute.set(0, leftOut.get(i));
                silent.apply(events.subList(i, i + 1), out -> silentOneAtATime.add(describe(out.recommendations())), mute);
                all.apply(events.subList(i, i + 1), out -> every.add(describe(out.recommendations())));
            }
        }
        assertThat(leftOut.cardinality()).as("the hot user repeats in every batch").isGreaterThan(60);
        assertThat(coalesced).containsExactlyElementsOf(silentOneAtATime);
        assertThat(coalesced).hasSize(every.size() - leftOut.cardinality());
        assertThat(reported).isEqualTo(leftOut.cardinality());

        // each left-out event is reported once, with the list of its user's last triggering interaction of the batch
        Map<Long, Long> coveredBy = new HashMap<>();
        coversByList.forEach((list, seqs) -> seqs.forEach(s -> assertThat(coveredBy.put(s, listSeq(list))).isNull()));
        assertThat(coveredBy).hasSize(leftOut.cardinality());
        for (int i = leftOut.nextSetBit(0); i >= 0; i = leftOut.nextSetBit(i + 1)) {
            PendingEvent e = events.get(i);
            int next = i + 1;
            while (events.get(next).request() || !triggering(events.get(next)) || !events.get(next).userId().equals(e.userId())
                    || leftOut.get(next)) {
                next++;
            }
            assertThat(coveredBy.get(e.seq())).as("event %d", e.seq()).isEqualTo(events.get(next).seq());
        }
        // requests always get their own list, and stand for no other event
        List<String> requestLists = events.stream().filter(PendingEvent::request).map(RecommenderEngine::recommendationId).toList();
        assertThat(requestLists).hasSizeGreaterThan(20)
                .allSatisfy(id -> assertThat(coversByList).containsEntry(id, List.of()));
    }

    private static long listSeq(String recommendationId) {
        return Long.parseLong(recommendationId.substring(recommendationId.lastIndexOf(':') + 2));
    }

    @Test
    void batchesOfOneEventLeaveNothingOut() {
        List<PendingEvent> events = events();
        List<String> coalesced = new ArrayList<>();
        List<String> plain = new ArrayList<>();
        try (RecommenderEngine a = engine(config(true, 2000)); RecommenderEngine b = engine(config(false, 2000))) {
            for (int i = 0; i < events.size(); i++) {
                a.apply(events.subList(i, i + 1), out -> coalesced.add(describe(out.recommendations())));
                b.apply(events.subList(i, i + 1), out -> plain.add(describe(out.recommendations())));
            }
            assertThat(a.coalescedLists()).isZero();
        }
        assertThat(coalesced).hasSizeGreaterThan(150).containsExactlyElementsOf(plain);
    }

    @Test
    void withoutListsOnInteractionsOnlyRequestsYieldListsAndNoneIsLeftOut() {
        List<PendingEvent> events = events();
        assertThat(RecommenderEngine.superseded(events, false).cardinality()).isZero();
        assertThat(RecommenderEngine.superseded(events, true).cardinality()).isPositive();
    }
}
