package dev.hyperrec.operators.internal;

import dev.hyperrec.operators.OperatorException;
import java.util.Arrays;

/**
 * The host side of a {@link dev.hyperrec.operators.GraphSignal}: each user's items in insertion
 * order, item degrees and a set of the edges held, so duplicates are refused. Backends keep their
 * float aggregates themselves. Not thread-safe.
 */
public final class BipartiteGraph {
    private int[][] items = new int[16][];
    private int[] userDegree = new int[16];
    private int[] itemDegree = new int[16];
    private final LongIntHashMap edgeSet = new LongIntHashMap(1024);
    private int users;
    private int maxItem = -1;

    /** Adds {@code user – item}; returns false (and changes nothing) when the edge is already held. */
    public boolean add(int user, int item) {
        if (user < 0 || item < 0) {
            throw new OperatorException("graph edge needs non-negative indices, got user " + user + " item " + item);
        }
        long key = ((long) user << 32) | item;
        if (edgeSet.containsKey(key)) {
            return false;
        }
        edgeSet.put(key, 1);
        ensureUser(user);
        ensureItem(item);
        int d = userDegree[user];
        int[] row = items[user];
        if (row == null) {
            row = new int[4];
        } else if (d == row.length) {
            row = Arrays.copyOf(row, 2 * d);
        }
        row[d] = item;
        items[user] = row;
        userDegree[user] = d + 1;
        itemDegree[item]++;
        return true;
    }

    private void ensureUser(int user) {
        if (user >= userDegree.length) {
            int cap = Math.max(user + 1, 2 * userDegree.length);
            userDegree = Arrays.copyOf(userDegree, cap);
            items = Arrays.copyOf(items, cap);
        }
        users = Math.max(users, user + 1);
    }

    private void ensureItem(int item) {
        if (item >= itemDegree.length) {
            itemDegree = Arrays.copyOf(itemDegree, Math.max(item + 1, 2 * itemDegree.length));
        }
        maxItem = Math.max(maxItem, item);
    }

    /** One past the largest user index with an edge. */
    public int users() {
        return users;
    }

    /** One past the largest item index with an edge. */
    public int items() {
        return maxItem + 1;
    }

    public int userDegree(int user) {
        return user >= 0 && user < users ? userDegree[user] : 0;
    }

    public int itemDegree(int item) {
        return item <= maxItem && item >= 0 ? itemDegree[item] : 0;
    }

    /** The items of {@code user} in insertion order; valid up to {@link #userDegree}; do not modify. */
    public int[] itemsOf(int user) {
        int[] row = user >= 0 && user < users ? items[user] : null;
        return row == null ? new int[0] : row;
    }

    public long edges() {
        return edgeSet.size();
    }
}
