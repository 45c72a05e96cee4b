package dev.hyperrec.topology.eval;

import dev.hyperrec.topology.demo.MovieLens;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Seeded MovieLens-format ratings with planted taste clusters (users prefer their cluster's items). */
final class SyntheticRatings {
    private SyntheticRatings() {
    }

    static List<MovieLens.Rating> generate(int users, int items, int events, int clusters, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<MovieLens.Rating> out = new ArrayList<>(events);
        long t = 1_000_000_000L;
        for (int e = 0; e < events; e++) {
            int u = rnd.nextInt(users);
            int c = u % clusters;
            int item = rnd.nextInt(10) < 8 ? c + clusters * rnd.nextInt(items / clusters) : rnd.nextInt(items);
            float rating = (item % clusters == c) ? 4 + rnd.nextInt(2) : 1 + rnd.nextInt(3);
            t += rnd.nextInt(600);
            out.add(new MovieLens.Rating(e, "u" + u, "m" + item, rating, t * 1000L));
        }
        return out;
    }

    static Path writeCsv(Path dir, List<MovieLens.Rating> ratings) throws IOException {
        Files.createDirectories(dir);
        StringBuilder sb = new StringBuilder("userId,movieId,rating,timestamp\n");
        for (MovieLens.Rating r : ratings) {
            sb.append(r.userId().substring(1)).append(',').append(r.itemId().substring(1)).append(',')
                    .append(r.rating()).append(',').append(r.timestampMs() / 1000).append('\n');
        }
        Path p = dir.resolve("ratings.csv");
        Files.writeString(p, sb);
        return p;
    }
}
