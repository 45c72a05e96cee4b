package dev.hyperrec.topology.eval;

/**
 * One rating in replay order.
 *
 * @param position index in replay order (timestamp, ties in file order)
 * @param user     dense user index (first-appearance order)
 * @param item     dense item index (first-appearance order)
 */
public record Event(int position, int user, int item, String userId, String itemId, float rating, long timestampMs) {
}
