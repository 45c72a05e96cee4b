package dev.hyperrec.topology.eval;

import dev.hyperrec.topology.demo.MovieLens;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * The prequential (test-then-learn) protocol of the evaluation (Gama, Sebastião &amp; Rodrigues 2013;
 * Vinagre, Jorge &amp; Gama 2014): ratings are replayed in timestamp order (ties in file order). The
 * first {@code trainFraction} of the events only train. After that, every event with rating
 * {@code >= 4} by a user with at least one earlier event is a test event: the method recommends
 * {@value #LIST} items, excluding every item the user has already rated, and hit@10, hit@20 and the
 * rank are recorded; then every event, whatever its rating, is learned.
 *
 * <p>No leakage by construction: a method receives events only through {@link
 * StreamingRecommender#learn}, strictly after the event was scored, and the harness checks every list
 * (no excluded item, no duplicate, no item the method has not yet been shown).
 */
public final class Prequential {
    public static final int LIST = 20;
    public static final float POSITIVE = 4.0f;

    /** The replay: events in order, with dense user and item indices. */
    public record Dataset(String name, List<Event> events, int users, int items, int trainEvents) {
        public static Dataset of(String name, List<MovieLens.Rating> ratings, double trainFraction) {
            Map<String, Integer> users = new HashMap<>();
            Map<String, Integer> items = new HashMap<>();
            List<Event> events = new ArrayList<>(ratings.size());
            for (MovieLens.Rating r : ratings) {
                int u = users.computeIfAbsent(r.userId(), k -> users.size());
                int i = items.computeIfAbsent(r.itemId(), k -> items.size());
                events.add(new Event(events.size(), u, i, r.userId(), r.itemId(), r.rating(), r.timestampMs()));
            }
            return new Dataset(name, List.copyOf(events), users.size(), items.size(),
                    (int) Math.floor(ratings.size() * trainFraction));
        }

        /** Whether event {@code e} is scored: past the training prefix, positive, by a known user. */
        public boolean isTest(Event e, BitSet knownUsers) {
            return e.position() >= trainEvents && e.rating() >= POSITIVE && knownUsers.get(e.user());
        }

        public int testEvents() {
            BitSet known = new BitSet();
            int n = 0;
            for (Event e : events) {
                if (isTest(e, known)) {
                    n++;
                }
                known.set(e.user());
            }
            return n;
        }
    }

    /** What one method scored. */
    public record Result(String name, Metrics metrics, int[] testPositions, byte[] ranks, double seconds,
            int events, int catalogSize) {
        public double eventsPerSecond() {
            return seconds <= 0 ? 0 : events / seconds;
        }
    }

    private Prequential() {
    }

    /**
     * Replays {@code data} through {@code method}.
     *
     * @param progress called with the number of events done so far (may be null)
     */
    public static Result run(Dataset data, StreamingRecommender method, IntConsumer progress) {
        int n = data.events().size();
        BitSet knownUsers = new BitSet();
        BitSet knownItems = new BitSet();
        List<BitSet> rated = new ArrayList<>(data.users());
        for (int u = 0; u < data.users(); u++) {
            rated.add(null);
        }
        Metrics metrics = new Metrics();
        int tests = data.testEvents();
        int[] testPositions = new int[tests];
        byte[] ranks = new byte[tests];
        int t = 0;
        int[] list = new int[LIST];
        long start = System.nanoTime();
        for (Event e : data.events()) {
            if (data.isTest(e, knownUsers)) {
                BitSet seen = rated.get(e.user());
                int got = method.recommend(e, LIST, seen::get, list);
                check(method.name(), e, list, got, seen, knownItems);
                int rank = Metrics.rank(list, got, e.item());
                metrics.record(list, got, rank);
                testPositions[t] = e.position();
                ranks[t] = (byte) rank;
                t++;
            }
            method.learn(e);
            knownUsers.set(e.user());
            knownItems.set(e.item());
            BitSet seen = rated.get(e.user());
            if (seen == null) {
                seen = new BitSet();
                rated.set(e.user(), seen);
            }
            seen.set(e.item());
            if (progress != null && (e.position() & 1023) == 1023) {
                progress.accept(e.position() + 1);
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (progress != null) {
            progress.accept(n);
        }
        return new Result(method.name(), metrics, testPositions, ranks, seconds, n, knownItems.cardinality());
    }

    private static void check(String name, Event e, int[] list, int n, BitSet seen, BitSet knownItems) {
        if (n < 0 || n > LIST) {
            throw new IllegalStateException(name + " returned " + n + " items for a list of " + LIST);
        }
        BitSet dup = new BitSet();
        for (int i = 0; i < n; i++) {
            int item = list[i];
            if (item < 0 || !knownItems.get(item)) {
                throw new IllegalStateException(name + " recommended item " + item + " before learning any event with it"
                        + " (event " + e.position() + ")");
            }
            if (seen.get(item)) {
                throw new IllegalStateException(name + " recommended item " + item + " that user " + e.userId()
                        + " already rated (event " + e.position() + ")");
            }
            if (dup.get(item)) {
                throw new IllegalStateException(name + " recommended item " + item + " twice (event " + e.position() + ")");
            }
            dup.set(item);
        }
    }
}
