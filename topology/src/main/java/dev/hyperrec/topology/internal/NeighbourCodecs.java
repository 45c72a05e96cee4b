package dev.hyperrec.topology.internal;

import dev.hyperrec.topology.engine.NeighbourTable;
import java.nio.ByteBuffer;

/**
 * Binary encodings of the item-to-item model's records (docs/topics.md), each led by a version byte.
 * Keys of {@code item-cooccurrence} and {@code item-neighbours} are the 8-byte big-endian item key
 * ({@link dev.hyperrec.operators.ItemKeys#hash64}). Decoding checks the version, the lengths and the
 * ranges and throws {@link IllegalArgumentException} with the reason.
 */
public final class NeighbourCodecs {
    /** Version byte of every encoding here. */
    public static final byte VERSION = 1;
    /** Co-occurrence pairs per {@code item-cooccurrence} record at most (larger sets are split). */
    public static final int MAX_PAIRS = 4096;

    private NeighbourCodecs() {
    }

    /** Increments of one item's counts: its occurrence count and its co-occurrence with other items. */
    public record Increment(int occurrences, long[] others, int[] counts) {
        public Increment {
            if (others.length != counts.length) {
                throw new IllegalArgumentException(others.length + " items but " + counts.length + " counts");
            }
        }
    }

    public static byte[] key(long itemKey) {
        return ByteBuffer.allocate(8).putLong(itemKey).array();
    }

    /**
     * The partition Kafka's default partitioner gives a record keyed by {@link #key(long) key(itemKey)} on a topic of
     * {@code partitions} partitions: {@code toPositive(murmur2(key)) % partitions}, computed on the long without
     * encoding it (Kafka's {@code Utils.murmur2} over the 8 big-endian bytes, read as two little-endian ints).
     */
    public static int partition(long itemKey, int partitions) {
        final int m = 0x5bd1e995;
        int h = 0x9747b28c ^ 8;
        h = mix(h, Integer.reverseBytes((int) (itemKey >>> 32)), m);
        h = mix(h, Integer.reverseBytes((int) itemKey), m);
        h ^= h >>> 13;
        h *= m;
        h ^= h >>> 15;
        return (h & 0x7fffffff) % partitions;
    }

    private static int mix(int h, int k, int m) {
        k *= m;
        k ^= k >>> 24;
        k *= m;
        return (h * m) ^ k;
    }

    public static long key(byte[] bytes) {
        if (bytes == null || bytes.length != 8) {
            throw new IllegalArgumentException("item key must be 8 bytes, was " + (bytes == null ? "null" : bytes.length));
        }
        return ByteBuffer.wrap(bytes).getLong();
    }

    /** {@code version | occurrences int | pairs int | pairs x (item key long, count int)}. */
    public static byte[] increment(int occurrences, long[] others, int[] counts, int from, int to) {
        ByteBuffer b = ByteBuffer.allocate(9 + 12 * (to - from));
        b.put(VERSION).putInt(occurrences).putInt(to - from);
        for (int i = from; i < to; i++) {
            b.putLong(others[i]).putInt(counts[i]);
        }
        return b.array();
    }

    public static Increment increment(byte[] bytes) {
        ByteBuffer b = header(bytes, 9, "co-occurrence increment");
        int occurrences = b.getInt();
        int n = b.getInt();
        if (occurrences < 0 || n < 0 || n > MAX_PAIRS || bytes.length != 9 + 12 * n) {
            throw new IllegalArgumentException("co-occurrence increment of " + bytes.length + " bytes says occurrences="
                    + occurrences + " pairs=" + n + " (at most " + MAX_PAIRS + " pairs, 9 + 12 bytes each)");
        }
        long[] others = new long[n];
        int[] counts = new int[n];
        for (int i = 0; i < n; i++) {
            others[i] = b.getLong();
            counts[i] = b.getInt();
            if (counts[i] <= 0) {
                throw new IllegalArgumentException("co-occurrence count " + counts[i] + " is not positive");
            }
        }
        return new Increment(occurrences, others, counts);
    }

    /** {@code version | occurrences long | n int | n x (item key long, similarity float)}. */
    public static byte[] list(NeighbourTable.Entry e) {
        return list(e.occurrences(), e.keys(), e.similarity(), e.size());
    }

    /**
     * The list of {@code n} neighbours {@code keys[0, n)} with {@code similarity[0, n)}, most similar first, without
     * building a {@link NeighbourTable.Entry} (whose lookup index the publisher does not need).
     */
    public static byte[] list(long occurrences, long[] keys, float[] similarity, int n) {
        ByteBuffer b = ByteBuffer.allocate(13 + 12 * n);
        b.put(VERSION).putLong(occurrences).putInt(n);
        for (int i = 0; i < n; i++) {
            b.putLong(keys[i]).putFloat(similarity[i]);
        }
        return b.array();
    }

    public static NeighbourTable.Entry list(byte[] bytes) {
        ByteBuffer b = header(bytes, 13, "neighbour list");
        long occurrences = b.getLong();
        int n = b.getInt();
        if (occurrences < 0 || n < 0 || bytes.length != 13 + 12L * n) {
            throw new IllegalArgumentException("neighbour list of " + bytes.length + " bytes says occurrences=" + occurrences
                    + " neighbours=" + n + " (13 + 12 bytes each)");
        }
        long[] keys = new long[n];
        float[] sim = new float[n];
        for (int i = 0; i < n; i++) {
            keys[i] = b.getLong();
            sim[i] = b.getFloat();
            if (!(sim[i] >= 0f && Float.isFinite(sim[i]))) {
                throw new IllegalArgumentException("similarity " + sim[i] + " is negative or not finite");
            }
        }
        return new NeighbourTable.Entry(occurrences, keys, sim);
    }

    /** A user's co-occurrence window, oldest first: {@code version | n int | n x item key long}. */
    public static byte[] window(long[] keys, int size) {
        ByteBuffer b = ByteBuffer.allocate(5 + 8 * size);
        b.put(VERSION).putInt(size);
        for (int i = 0; i < size; i++) {
            b.putLong(keys[i]);
        }
        return b.array();
    }

    public static long[] window(byte[] bytes) {
        ByteBuffer b = header(bytes, 5, "co-occurrence window");
        int n = b.getInt();
        if (n < 0 || bytes.length != 5 + 8L * n) {
            throw new IllegalArgumentException("co-occurrence window of " + bytes.length + " bytes says " + n + " items");
        }
        long[] keys = new long[n];
        for (int i = 0; i < n; i++) {
            keys[i] = b.getLong();
        }
        return keys;
    }

    private static ByteBuffer header(byte[] bytes, int min, String what) {
        if (bytes == null || bytes.length < min) {
            throw new IllegalArgumentException(what + " has " + (bytes == null ? "no value" : bytes.length + " bytes")
                    + ", at least " + min + " expected");
        }
        if (bytes[0] != VERSION) {
            throw new IllegalArgumentException(what + " has encoding version " + bytes[0] + ", expected " + VERSION);
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        b.get();
        return b;
    }
}
