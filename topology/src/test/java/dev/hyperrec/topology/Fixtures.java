package dev.hyperrec.topology;

import dev.hyperrec.avro.CatalogItem;
import dev.hyperrec.avro.EventContext;
import dev.hyperrec.avro.InteractionEvent;
import dev.hyperrec.avro.InteractionType;
import dev.hyperrec.avro.RecommendationRequest;
import dev.hyperrec.avro.SocialSetting;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Small records for tests. */
public final class Fixtures {
    public static final Instant T0 = Instant.parse("2024-03-01T12:00:00Z");

    private Fixtures() {
    }

    public static CatalogItem item(String id, float... embedding) {
        List<Float> e = new ArrayList<>();
        for (float f : embedding) {
            e.add(f);
        }
        return CatalogItem.newBuilder().setItemId(id).setEmbedding(e).setDimension(embedding.length)
                .setCategories(List.of()).setPublishedAt(T0).setActive(true).build();
    }

    /** Item {@code i} of an 8-dimensional catalog: a unit vector mostly along axis {@code i % 8}. */
    public static CatalogItem axisItem(int i) {
        float[] v = new float[8];
        v[i % 8] = 1f;
        v[(i + 1) % 8] = 0.05f * (i / 8 + 1);
        return item("i" + i, v);
    }

    public static InteractionEvent event(String id, String user, String item, InteractionType type, float value,
            long offsetMs) {
        return InteractionEvent.newBuilder().setEventId(id).setUserId(user).setItemId(item).setType(type).setValue(value)
                .setTimestamp(T0.plusMillis(offsetMs))
                .setContext(EventContext.newBuilder().setDevice("mobile").setSessionId("s").setSocial(SocialSetting.SOLO).build())
                .setRecommendationId(null).build();
    }

    public static RecommendationRequest request(String id, String user, float[] query, int k, long offsetMs) {
        List<Float> q = null;
        if (query != null) {
            q = new ArrayList<>();
            for (float f : query) {
                q.add(f);
            }
        }
        return RecommendationRequest.newBuilder().setRequestId(id).setUserId(user).setQueryEmbedding(q).setContext(null)
                .setK(k).setRequestedAt(T0.plusMillis(offsetMs)).build();
    }

    /** A seeded mix of all event types, some attributed to earlier lists. */
    public static List<InteractionEvent> randomStream(int n, int users, int items, long seed) {
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(seed);
        List<InteractionEvent> out = new ArrayList<>();
        InteractionType[] types = InteractionType.values();
        for (int i = 0; i < n; i++) {
            InteractionType t = types[rnd.nextInt(types.length)];
            float v = t == InteractionType.RATING ? 0.5f * (1 + rnd.nextInt(10)) : 1f;
            InteractionEvent e = event("x" + i, "u" + rnd.nextInt(users), "i" + rnd.nextInt(items), t, v, i * 1000L);
            if (rnd.nextInt(5) == 0) {
                e.setRecommendationId("evt:x" + rnd.nextInt(i + 1));
            }
            out.add(e);
        }
        return out;
    }

}
