package dev.hyperrec.topology.demo;

import dev.hyperrec.avro.CatalogItem;
import dev.hyperrec.avro.EventContext;
import dev.hyperrec.avro.InteractionEvent;
import dev.hyperrec.avro.InteractionType;
import dev.hyperrec.avro.SocialSetting;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A seeded interaction stream with planted taste clusters: items sit around one of {@code clusters}
 * random unit centroids; each user belongs to one cluster and interacts with items of that cluster
 * with probability {@code inClusterProbability} (popularity within a cluster is Zipf-skewed), else
 * with a random item. Ratings are high inside the user's cluster and low outside it.
 */
public final class SyntheticData {
    private static final String[] DEVICES = {"mobile", "desktop", "tv"};

    private SyntheticData() {
    }

    public static DemoData generate(int users, int items, int events, int clusters, int dim, double inClusterProbability,
            long seed, String runId) {
        if (users <= 0 || items < clusters || events <= 0 || clusters <= 0 || dim <= 0) {
            throw new IllegalArgumentException("need users > 0, items >= clusters > 0, events > 0, dim > 0; got users="
                    + users + " items=" + items + " clusters=" + clusters + " events=" + events + " dim=" + dim);
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        float[][] centroids = new float[clusters][];
        for (int c = 0; c < clusters; c++) {
            centroids[c] = unit(gaussian(rnd, dim));
        }
        List<CatalogItem> catalog = new ArrayList<>(items);
        Map<String, String> titles = new LinkedHashMap<>();
        Map<String, Integer> clusterOf = new HashMap<>();
        List<List<String>> itemsOf = new ArrayList<>();
        for (int c = 0; c < clusters; c++) {
            itemsOf.add(new ArrayList<>());
        }
        Instant published = Instant.parse("2024-01-01T00:00:00Z");
        for (int i = 0; i < items; i++) {
            int c = i % clusters;
            float[] noise = gaussian(rnd, dim);
            float[] v = new float[dim];
            for (int d = 0; d < dim; d++) {
                v[d] = centroids[c][d] + 0.35f * noise[d] / (float) Math.sqrt(dim);
            }
            v = unit(v);
            String id = "item-" + i;
            List<Float> emb = new ArrayList<>(dim);
            for (float f : v) {
                emb.add(f);
            }
            catalog.add(CatalogItem.newBuilder().setItemId(id).setEmbedding(emb).setDimension(dim)
                    .setCategories(List.of("cluster-" + c)).setPublishedAt(published).setActive(true).build());
            titles.put(id, "item-" + i + " (cluster " + c + ")");
            clusterOf.put(id, c);
            itemsOf.get(c).add(id);
        }
        Map<String, Integer> userCluster = new LinkedHashMap<>();
        for (int u = 0; u < users; u++) {
            userCluster.put("user-" + u, rnd.nextInt(clusters));
        }
        List<InteractionEvent> out = new ArrayList<>(events);
        long t = Instant.parse("2024-06-01T00:00:00Z").toEpochMilli();
        for (int e = 0; e < events; e++) {
            // every user gets events: the first pass visits users in order, then users are drawn at random
            int u = e < users ? e : rnd.nextInt(users);
            String userId = "user-" + u;
            int c = userCluster.get(userId);
            boolean inCluster = rnd.nextDouble() < inClusterProbability;
            String itemId;
            if (inCluster) {
                List<String> pool = itemsOf.get(c);
                itemId = pool.get(zipf(rnd, pool.size(), 0.8));
            } else {
                itemId = "item-" + rnd.nextInt(items);
                inCluster = clusterOf.get(itemId) == c;
            }
            double p = rnd.nextDouble();
            InteractionType type = p < 0.25 ? InteractionType.VIEW : p < 0.65 ? InteractionType.CLICK
                    : p < 0.9 ? InteractionType.RATING : InteractionType.PURCHASE;
            float value = switch (type) {
                case RATING -> inCluster ? 4f + (float) rnd.nextInt(3) * 0.5f : 1f + (float) rnd.nextInt(3) * 0.5f;
                case VIEW, CLICK, PURCHASE, SKIP -> 1f;
            };
            t += 1 + rnd.nextInt(2000);
            EventContext ctx = EventContext.newBuilder().setDevice(DEVICES[u % DEVICES.length])
                    .setSessionId("s-" + u + "-" + (e / 50)).setSocial(u % 4 == 0 ? SocialSetting.GROUP : SocialSetting.SOLO)
                    .build();
            out.add(InteractionEvent.newBuilder().setEventId(runId + "-" + e).setUserId(userId).setItemId(itemId)
                    .setType(type).setValue(value).setTimestamp(Instant.ofEpochMilli(t)).setContext(ctx)
                    .setRecommendationId(null).build());
        }
        return new DemoData("synthetic", dim, catalog, out, titles, clusterOf, userCluster);
    }

    /** Zipf-like index in [0, n): rank r with probability proportional to 1 / (r + 1)^s. */
    static int zipf(SplittableRandom rnd, int n, double s) {
        // inverse-CDF on the continuous approximation, good enough for skew
        double u = rnd.nextDouble();
        if (Math.abs(s - 1) < 1e-9) {
            return (int) Math.min(n - 1, Math.floor(Math.exp(u * Math.log(n + 1)) - 1));
        }
        double a = 1 - s;
        double x = Math.pow(u * (Math.pow(n + 1, a) - 1) + 1, 1 / a) - 1;
        return (int) Math.min(n - 1, Math.max(0, Math.floor(x)));
    }

    private static float[] gaussian(SplittableRandom rnd, int dim) {
        float[] v = new float[dim];
        for (int d = 0; d < dim; d++) {
            double u1 = 1 - rnd.nextDouble();
            double u2 = rnd.nextDouble();
            v[d] = (float) (Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2));
        }
        return v;
    }

    private static float[] unit(float[] v) {
        double s = 0;
        for (float x : v) {
            s += (double) x * x;
        }
        float inv = (float) (1 / Math.sqrt(s));
        for (int i = 0; i < v.length; i++) {
            v[i] *= inv;
        }
        return v;
    }
}
