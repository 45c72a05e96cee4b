package dev.hyperrec.topology.eval;

/**
 * A method under prequential evaluation. The harness alone decides what a method sees: it calls
 * {@link #recommend} for a test event <em>before</em> it calls {@link #learn} with that event, and
 * hands events to {@link #learn} one at a time in replay order, so a method can only know the past.
 * Items and users are dense indices the harness assigns when it first hands them to {@code learn}.
 */
public interface StreamingRecommender extends AutoCloseable {

    String name();

    /**
     * Writes up to {@code k} distinct item indices, best first, to {@code out} for {@code user}
     * (who has learned events), never an item for which {@code excluded.test(item)} holds (the
     * items the user has already rated).
     *
     * @param event the event about to be scored: only its user and time may be used
     * @return the number of items written
     */
    int recommend(Event event, int k, java.util.function.IntPredicate excluded, int[] out);

    /** Learns one event, after it was scored (if it was a test event). */
    void learn(Event event);

    @Override
    default void close() {
    }
}
