package dev.hyperrec.operators;

import java.util.Arrays;

/** A reusable, growable batch of (user index, item index, weight) triples, in application order. */
public final class UpdateBatch {
    private int[] users;
    private int[] items;
    private float[] weights;
    private int size;

    public UpdateBatch(int initialCapacity) {
        if (initialCapacity <= 0) {
            throw new OperatorException("initialCapacity must be > 0, was " + initialCapacity);
        }
        users = new int[initialCapacity];
        items = new int[initialCapacity];
        weights = new float[initialCapacity];
    }

    public void add(int user, int item, float weight) {
        if (size == users.length) {
            int cap = Math.max(16, size * 2);
            users = Arrays.copyOf(users, cap);
            items = Arrays.copyOf(items, cap);
            weights = Arrays.copyOf(weights, cap);
        }
        users[size] = user;
        items[size] = item;
        weights[size] = weight;
        size++;
    }

    public void clear() {
        size = 0;
    }

    public int size() {
        return size;
    }

    public int user(int i) {
        return users[i];
    }

    public int item(int i) {
        return items[i];
    }

    public float weight(int i) {
        return weights[i];
    }

    /** Backing arrays (valid up to {@link #size()}), for backends that copy them in bulk. */
    public int[] usersArray() {
        return users;
    }

    public int[] itemsArray() {
        return items;
    }

    public float[] weightsArray() {
        return weights;
    }
}
