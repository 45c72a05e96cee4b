package dev.hyperrec.topology.tools;

import static dev.hyperrec.topology.Fixtures.axisItem;
import static dev.hyperrec.topology.Fixtures.event;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperrec.avro.EventContext;
import dev.hyperrec.avro.InteractionEvent;
import dev.hyperrec.avro.InteractionType;
import dev.hyperrec.avro.Recommendations;
import dev.hyperrec.avro.RecommendedItem;
import dev.hyperrec.avro.SocialSetting;
import dev.hyperrec.topology.HyperrecConfig;
import dev.hyperrec.topology.StoreNames;
import dev.hyperrec.topology.TestPipeline;
import dev.hyperrec.topology.internal.BanditLog;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The crash harness's oracle: which events the lists read stand for, and the bandit state they imply. */
class ListCoverageTest {

    private static Recommendations list(String eventId, String user, String... items) {
        List<RecommendedItem> r = new ArrayList<>();
        for (int i = 0; i < items.length; i++) {
            r.add(RecommendedItem.newBuilder().setItemId(items[i]).setScore(1f).setRank(i + 1)
                    .setReason(dev.hyperrec.avro.Reason.PERSONAL).setAttention(null).build());
        }
        return Recommendations.newBuilder().setUserId(user).setRecommendationId(eventId).setRequestId(null).setItems(r)
                .setGeneratedAt(Instant.EPOCH).setSourceEventTime(Instant.EPOCH).setModelVersion("t").build();
    }

    @Test
    void aListStandsForItsUsersTriggeringEventsUpToItsOwn() {
        List<InteractionEvent> in = List.of(
                event("a1", "a", "i1", InteractionType.CLICK, 1, 0),
                event("a2", "a", "i2", InteractionType.VIEW, 1, 1),
                event("b1", "b", "i3", InteractionType.CLICK, 1, 2),
                event("a3", "a", "i4", InteractionType.RATING, 4, 3),
                event("b2", "b", "i5", InteractionType.SKIP, 1, 4),
                event("a4", "a", "i6", InteractionType.PURCHASE, 1, 5));
        ListCoverage c = new ListCoverage(in, 4);
        assertThat(c.triggering()).isEqualTo(4);

        c.accept(list("evt:a3", "a", "i1"));
        assertThat(c.covered()).as("a3 stands for a1 too").isEqualTo(2);
        assertThat(c.complete()).isFalse();
        c.accept(list("evt:a1", "a", "i1"));
        assertThat(c.covered()).as("an earlier list of a covered event adds nothing").isEqualTo(2);
        c.accept(list("evt:b1", "b", "i1"));
        assertThat(c.complete()).as("a4 has no list yet").isFalse();
        c.accept(list("evt:a4", "a", "i1"));
        assertThat(c.covered()).isEqualTo(4);
        assertThat(c.complete()).isTrue();
        assertThat(c.withoutOwnList()).isZero();

        c.accept(list("evt:a4", "a", "i1"));
        c.accept(list("evt:a4", "a", "i1"));
        assertThat(c.duplicates()).isEqualTo(2);
        assertThat(c.lists()).isEqualTo(4);

        c.accept(list("evt:a2", "a", "i1")); // a view triggers nothing
        c.accept(list("evt:zz", "a", "i1")); // no such event
        c.accept(list("req:a3", "a", "i1")); // not an event's id
        c.accept(list("evt:b2", "a", "i1")); // a skip, and another user's
        assertThat(c.foreign()).isEqualTo(4);
        assertThat(c.covered()).isEqualTo(4);
    }

    @Test
    void withCoalescedListsTheEventsLeftWithoutOneAreCountedApart() {
        List<InteractionEvent> in = List.of(
                event("a1", "a", "i1", InteractionType.CLICK, 1, 0),
                event("a2", "a", "i2", InteractionType.CLICK, 1, 1),
                event("a3", "a", "i3", InteractionType.CLICK, 1, 2));
        ListCoverage c = new ListCoverage(in, 1);
        c.accept(list("evt:a3", "a", "i9"));
        assertThat(c.complete()).isTrue();
        assertThat(c.withoutOwnList()).isEqualTo(2);
    }

    /**
     * On the real processor (TopologyTestDriver, one task, so partition 0), with and without coalescing: the lists read
     * account for every triggering event, and the task's {@code bandit-params} store holds exactly the impressions of
     * those lists under their events' segments and the clicks of the events that name a list. One list left out of the
     * oracle, or one extra impression in the store, makes the two differ.
     */
    @ParameterizedTest(name = "coalesce={0}")
    @ValueSource(booleans = {false, true})
    void theBanditStoreHoldsTheImpressionsOfTheListsReadAndTheirClicks(boolean coalesce) {
        Map<String, Object> cfg = Map.of(HyperrecConfig.BATCH_MAX_EVENTS, 16, HyperrecConfig.RECS_K, 4,
                HyperrecConfig.RECS_CANDIDATES, 12, HyperrecConfig.RECS_COALESCE, coalesce);
        SplittableRandom rnd = new SplittableRandom(11);
        String[] devices = {"mobile", "desktop", "tv", null};
        List<InteractionEvent> in = new ArrayList<>();
        List<String> listIds = new ArrayList<>();
        try (TestPipeline p = new TestPipeline(cfg)) {
            for (int i = 0; i < 30; i++) {
                p.catalog(axisItem(i));
            }
            List<Recommendations> read = new ArrayList<>();
            for (int e = 0; e < 300; e++) {
                InteractionType type = InteractionType.values()[rnd.nextInt(InteractionType.values().length)];
                String user = "u" + Math.min(rnd.nextInt(12), rnd.nextInt(12)); // some users far more active
                // a click or purchase names an earlier list now and then: the bandit's reward
                String rec = !listIds.isEmpty() && rnd.nextInt(3) == 0 ? listIds.get(rnd.nextInt(listIds.size())) : null;
                InteractionEvent ev = InteractionEvent.newBuilder(event("e" + e, user, "i" + rnd.nextInt(30), type,
                                type == InteractionType.RATING ? 1 + rnd.nextInt(5) : 1, e))
                        .setContext(EventContext.newBuilder().setDevice(devices[rnd.nextInt(devices.length)])
                                .setSessionId("s").setSocial(rnd.nextBoolean() ? SocialSetting.SOLO : SocialSetting.GROUP).build())
                        .setRecommendationId(rec).build();
                in.add(ev);
                p.interaction(ev);
                if (e % 37 == 36) {
                    p.tick();
                }
                for (KeyValue<String, Recommendations> kv : p.recommendations()) {
                    read.add(kv.value);
                    listIds.add(kv.value.getRecommendationId());
                }
            }
            p.tick();
            p.recommendations().forEach(kv -> read.add(kv.value));

            ListCoverage c = new ListCoverage(in, 1);
            read.forEach(c::accept);
            assertThat(c.complete()).isTrue();
            assertThat(c.duplicates()).isZero();
            assertThat(c.foreign()).isZero();
            if (coalesce) {
                assertThat(c.withoutOwnList()).as("batches of 16 over 12 users leave events to a later list").isPositive();
            } else {
                assertThat(c.withoutOwnList()).isZero();
            }
            assertThat(in.stream().filter(e -> e.getRecommendationId() != null
                    && (e.getType() == InteractionType.CLICK || e.getType() == InteractionType.PURCHASE))).isNotEmpty();

            KeyValueStore<Bytes, byte[]> store = p.driver.getKeyValueStore(StoreNames.BANDIT);
            Map<String, String> actual;
            try (var it = store.all()) {
                actual = ListCoverage.banditArms(0, BanditLog.decode(it));
            }
            assertThat(actual).hasSizeGreaterThan(20);
            assertThat(c.expectedBandit()).isEqualTo(actual);

            ListCoverage short1 = new ListCoverage(in, 1);
            read.subList(1, read.size()).forEach(short1::accept);
            assertThat(short1.expectedBandit()).as("the first list left out").isNotEqualTo(actual);
        }
    }
}
