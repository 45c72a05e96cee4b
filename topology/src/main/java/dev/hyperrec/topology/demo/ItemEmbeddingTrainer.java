package dev.hyperrec.topology.demo;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Learns item embeddings from past ratings with biased matrix factorisation trained by SGD
 * (Koren, Bell &amp; Volinsky 2009): {@code r ≈ mu + b_u + b_i + p_u · q_i}. The item factors
 * {@code q_i}, scaled to unit length, are the catalog embeddings. Seeded and deterministic.
 */
public final class ItemEmbeddingTrainer {
    private static final int EPOCHS = 25;
    private static final float LEARNING_RATE = 0.01f;
    private static final float REGULARISATION = 0.05f;

    private ItemEmbeddingTrainer() {
    }

    public static Map<String, float[]> train(List<MovieLens.Rating> ratings, int dim, long seed) {
        Map<String, Integer> users = new HashMap<>();
        Map<String, Integer> items = new HashMap<>();
        List<String> itemIds = new ArrayList<>();
        for (MovieLens.Rating r : ratings) {
            users.computeIfAbsent(r.userId(), k -> users.size());
            items.computeIfAbsent(r.itemId(), k -> {
                itemIds.add(k);
                return itemIds.size() - 1;
            });
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        float[][] p = new float[users.size()][dim];
        float[][] q = new float[items.size()][dim];
        for (float[] row : p) {
            for (int d = 0; d < dim; d++) {
                row[d] = (float) (rnd.nextGaussian() * 0.1);
            }
        }
        for (float[] row : q) {
            for (int d = 0; d < dim; d++) {
                row[d] = (float) (rnd.nextGaussian() * 0.1);
            }
        }
        float[] bu = new float[users.size()];
        float[] bi = new float[items.size()];
        double mu = ratings.stream().mapToDouble(MovieLens.Rating::rating).average().orElse(3.5);
        int[] order = new int[ratings.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        for (int epoch = 0; epoch < EPOCHS; epoch++) {
            for (int i = order.length - 1; i > 0; i--) {
                int j = rnd.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            for (int idx : order) {
                MovieLens.Rating r = ratings.get(idx);
                int u = users.get(r.userId());
                int it = items.get(r.itemId());
                float[] pu = p[u];
                float[] qi = q[it];
                double dot = 0;
                for (int d = 0; d < dim; d++) {
                    dot += pu[d] * qi[d];
                }
                float err = (float) (r.rating() - (mu + bu[u] + bi[it] + dot));
                bu[u] += LEARNING_RATE * (err - REGULARISATION * bu[u]);
                bi[it] += LEARNING_RATE * (err - REGULARISATION * bi[it]);
                for (int d = 0; d < dim; d++) {
                    float pd = pu[d];
                    pu[d] += LEARNING_RATE * (err * qi[d] - REGULARISATION * pd);
                    qi[d] += LEARNING_RATE * (err * pd - REGULARISATION * qi[d]);
                }
            }
        }
        Map<String, float[]> out = new HashMap<>();
        for (int i = 0; i < itemIds.size(); i++) {
            out.put(itemIds.get(i), scale(q[i], 1f));
        }
        return out;
    }

    /** An item unseen in training: a small seeded random direction, so it ranks low until learned. */
    public static float[] coldVector(String itemId, int dim, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed ^ itemId.hashCode());
        float[] v = new float[dim];
        for (int d = 0; d < dim; d++) {
            v[d] = (float) rnd.nextGaussian();
        }
        return scale(v, 0.1f);
    }

    private static float[] scale(float[] v, float norm) {
        double s = 0;
        for (float x : v) {
            s += (double) x * x;
        }
        float f = s == 0 ? 0 : (float) (norm / Math.sqrt(s));
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i] * f;
        }
        return out;
    }
}
