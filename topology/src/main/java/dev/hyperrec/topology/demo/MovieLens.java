package dev.hyperrec.topology.demo;

import dev.hyperrec.avro.CatalogItem;
import dev.hyperrec.avro.InteractionEvent;
import dev.hyperrec.avro.InteractionType;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads MovieLens ratings: {@code ratings.csv} (ml-latest-small, ml-25m, ml-32m: header
 * {@code userId,movieId,rating,timestamp}) or ml-100k's tab-separated {@code u.data}, detected by
 * format. Ratings are replayed in timestamp order (ties in file order). Item embeddings are learned
 * from the first {@code trainFraction} of that order only, never from the future.
 */
public final class MovieLens {
    /** One rating, in file order. */
    public record Rating(int line, String userId, String itemId, float rating, long timestampMs) {
    }

    private MovieLens() {
    }

    public static List<Rating> read(Path path) throws IOException {
        List<Rating> out = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            String first = r.readLine();
            if (first == null) {
                throw new IOException(path + " is empty");
            }
            boolean tab = first.contains("\t");
            boolean header = !tab && first.toLowerCase(java.util.Locale.ROOT).startsWith("userid");
            int line = 0;
            if (!header) {
                out.add(parse(first, tab, line, path));
            }
            String s;
            while ((s = r.readLine()) != null) {
                line++;
                if (!s.isBlank()) {
                    out.add(parse(s, tab, line, path));
                }
            }
        }
        out.sort(Comparator.comparingLong(Rating::timestampMs).thenComparingInt(Rating::line));
        return out;
    }

    private static Rating parse(String s, boolean tab, int line, Path path) throws IOException {
        String[] f = tab ? s.split("\t") : s.split(",");
        if (f.length < 4) {
            throw new IOException(path + " line " + (line + 1) + ": expected userId, movieId, rating, timestamp; got '" + s + "'");
        }
        try {
            return new Rating(line, "u" + f[0].trim(), "m" + f[1].trim(), Float.parseFloat(f[2].trim()),
                    Long.parseLong(f[3].trim()) * 1000L);
        } catch (NumberFormatException e) {
            throw new IOException(path + " line " + (line + 1) + ": " + e.getMessage(), e);
        }
    }

    /** Movie titles from {@code movies.csv} (or ml-100k's {@code u.item}) next to the ratings, if present. */
    public static Map<String, String> titles(Path ratings) {
        Map<String, String> titles = new HashMap<>();
        Path dir = ratings.toAbsolutePath().getParent();
        Path csv = dir.resolve("movies.csv");
        Path item = dir.resolve("u.item");
        try {
            if (Files.exists(csv)) {
                for (String s : Files.readAllLines(csv, StandardCharsets.UTF_8)) {
                    int a = s.indexOf(',');
                    int b = s.lastIndexOf(',');
                    if (a > 0 && b > a && !s.startsWith("movieId")) {
                        String t = s.substring(a + 1, b);
                        titles.put("m" + s.substring(0, a), t.startsWith("\"") ? t.substring(1, t.length() - 1) : t);
                    }
                }
            } else if (Files.exists(item)) {
                for (String s : Files.readAllLines(item, StandardCharsets.ISO_8859_1)) {
                    String[] f = s.split("\\|");
                    if (f.length > 1) {
                        titles.put("m" + f[0], f[1]);
                    }
                }
            }
        } catch (IOException e) {
            // titles are cosmetic: fall back to ids
        }
        return titles;
    }

    /**
     * The demo's data: item embeddings trained on the first {@code trainFraction} of the replay
     * order, every rating (training prefix included) as an interaction in replay order.
     */
    public static DemoData load(Path path, int dim, double trainFraction, long seed, String runId) throws IOException {
        List<Rating> ratings = read(path);
        int prefix = (int) Math.floor(ratings.size() * trainFraction);
        Map<String, float[]> emb = ItemEmbeddingTrainer.train(ratings.subList(0, prefix), dim, seed);
        Map<String, float[]> all = new LinkedHashMap<>();
        for (Rating r : ratings) {
            all.computeIfAbsent(r.itemId(), id -> emb.getOrDefault(id, ItemEmbeddingTrainer.coldVector(id, dim, seed)));
        }
        List<CatalogItem> catalog = new ArrayList<>(all.size());
        Instant published = Instant.EPOCH;
        all.forEach((id, v) -> {
            List<Float> list = new ArrayList<>(dim);
            for (float f : v) {
                list.add(f);
            }
            catalog.add(CatalogItem.newBuilder().setItemId(id).setEmbedding(list).setDimension(dim)
                    .setCategories(List.of()).setPublishedAt(published).setActive(true).build());
        });
        List<InteractionEvent> events = new ArrayList<>(ratings.size());
        for (Rating r : ratings) {
            events.add(InteractionEvent.newBuilder().setEventId(runId + "-" + r.line()).setUserId(r.userId())
                    .setItemId(r.itemId()).setType(InteractionType.RATING).setValue(r.rating())
                    .setTimestamp(Instant.ofEpochMilli(r.timestampMs())).setContext(null).setRecommendationId(null).build());
        }
        return new DemoData(path.toString(), dim, catalog, events, titles(path), Map.of(), Map.of());
    }
}
