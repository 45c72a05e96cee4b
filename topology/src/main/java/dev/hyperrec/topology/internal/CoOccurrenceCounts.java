package dev.hyperrec.topology.internal;

import dev.hyperrec.operators.internal.LongIntHashMap;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The item-to-item model's counts of one {@code item-cooccurrence} partition: the rows last checkpointed in the
 * changelogged {@code cooccurrence-counts} store, plus the increments added since, in memory.
 *
 * <p>Per-pair keys cost one changelog record per pair increment (about 36 an event at window 50), and on a spread-out
 * input almost no pair repeats within a commit interval, so caching them saves nothing. Here an item's row (its
 * co-occurrence counts with other items) is stored in <em>chunks</em> of about {@link #CHUNK_PAIRS} pairs, and a
 * checkpoint writes only the chunks that changed since the previous one: one record per changed chunk instead of one
 * per increment. Between checkpoints the increments are held here; after a crash they are rebuilt by reading
 * {@code item-cooccurrence} again from the checkpoint's offset ({@link NeighbourAggregator} keeps both offsets).
 *
 * <p>Store layout (keys big-endian):
 * <ul>
 *   <li>{@code item (8 bytes)} → the item's occurrence count (8-byte long);</li>
 *   <li>{@code item (8) | shift (1) | index (2)} → one chunk of the item's row: {@code version | n varint | n x
 *       (other item key 8 bytes, count varlong)}, sorted by the other key (unsigned). A row of s pairs has
 *       {@code 2^shift} chunks, the smallest power of two that keeps {@code ceil(s / 2^shift) <= CHUNK_PAIRS}, and a
 *       pair lives in the chunk its mixed key's top {@code shift} bits name. When a row outgrows its shift, all its
 *       chunks are rewritten under the new shift and the old ones deleted in the same checkpoint.</li>
 * </ul>
 * The stored bytes are a function of the counts alone (not of when checkpoints ran), so two runs over the same input
 * leave the same store once both have checkpointed everything.
 *
 * <p>Thread affinity: the task's stream thread.
 */
public final class CoOccurrenceCounts {
    /** Target pairs per stored chunk. */
    static final int CHUNK_PAIRS = 256;
    private static final int MAX_SHIFT = 16;
    private static final byte CHUNK_VERSION = 1;

    private final KeyValueStore<Bytes, byte[]> store;
    private final HashMap<Long, Delta> deltas = new HashMap<>();
    /**
     * Each row's size as this instance last wrote it (so its shift, and which chunks a change touches, without reading
     * the row); empty after a restart, so an item's first checkpoint then reads its whole row once.
     */
    private final LongIntHashMap rowSizes = new LongIntHashMap(1024);
    /**
     * Each item's pending pairs at the last checkpoint, so that its next {@link Delta} starts at that capacity instead
     * of growing to it again by doublings (a popular item's table holds thousands of pairs between checkpoints).
     */
    private final LongIntHashMap lastDeltaSizes = new LongIntHashMap(1024);
    /**
     * The stored occurrence counts this instance has read or written: item → slot in {@link #storedValues}, whose value
     * is {@link #ABSENT} where the store holds none. Exact because this task is its store's only writer and writes
     * through {@link #checkpoint} alone; a restart or a revived task builds a new instance. Publishing a list looks
     * up the occurrence count of each of its neighbours, thousands for a popular item, which were a store read each.
     * At most {@link #STORED_CACHE_MAX} entries (then it starts empty again).
     */
    private final LongIntHashMap storedSlots = new LongIntHashMap(1024);
    private long[] storedValues = new long[16];
    private int storedCount;
    private final int storedCacheMax;
    static final int STORED_CACHE_MAX = 1 << 20;
    private static final long ABSENT = Long.MIN_VALUE;
    private long pendingPairs;
    /** The last checkpoint's changed pairs and the pairs in the chunks it wrote. */
    private long lastPairsChanged;
    private long lastPairsWritten;

    public CoOccurrenceCounts(KeyValueStore<Bytes, byte[]> store) {
        this(store, STORED_CACHE_MAX);
    }

    /** Counts whose cache of stored occurrence counts starts over at {@code storedCacheMax} entries (tests). */
    CoOccurrenceCounts(KeyValueStore<Bytes, byte[]> store, int storedCacheMax) {
        this.store = store;
        this.storedCacheMax = storedCacheMax;
    }

    /** Adds one increment record: {@code occurrences} to {@code item}'s count and {@code counts[i]} to (item, others[i]). */
    public void add(long item, int occurrences, long[] others, int[] counts) {
        if (occurrences == 0 && others.length == 0) {
            return;
        }
        Delta d = deltas.get(item);
        if (d == null) {
            d = new Delta(lastDeltaSizes.get(item, 0));
            deltas.put(item, d);
        }
        d.occurrences += occurrences;
        d.reserve(others.length);
        for (int i = 0; i < others.length; i++) {
            if (d.add(others[i], counts[i])) {
                pendingPairs++;
            }
        }
    }

    /** Distinct (item, other) pairs changed since the last checkpoint. */
    public long pendingPairs() {
        return pendingPairs;
    }

    /** Whether anything was added since the last checkpoint. */
    public boolean pending() {
        return !deltas.isEmpty();
    }

    /** {@code item}'s occurrence count, stored plus pending; -1 when this partition has never counted it. */
    public long occurrencesOrMissing(long item) {
        int slot = storedSlot(item); // first: it may grow storedValues
        long v = storedValues[slot];
        Delta d = deltas.get(item);
        if (v == ABSENT && (d == null || d.occurrences == 0)) {
            return -1;
        }
        return (v == ABSENT ? 0 : v) + (d == null ? 0 : d.occurrences);
    }

    /**
     * The slot in {@link #storedValues} of {@code item}'s stored occurrence count ({@link #ABSENT} for none), read once
     * from the store into a new slot when the cache does not hold it. Valid until the next call.
     */
    private int storedSlot(long item) {
        int slot = storedSlots.get(item, -1);
        if (slot >= 0) {
            return slot;
        }
        byte[] v = store.get(Bytes.wrap(NeighbourCodecs.key(item)));
        if (storedCount == storedCacheMax) {
            storedSlots.clear();
            storedCount = 0;
        }
        slot = storedCount++;
        if (slot == storedValues.length) {
            storedValues = Arrays.copyOf(storedValues, 2 * slot);
        }
        storedSlots.put(item, slot);
        storedValues[slot] = v == null ? ABSENT : ByteBuffer.wrap(v).getLong();
        return slot;
    }

    /**
     * {@code item}'s row, stored plus pending, in no particular order (the keys are distinct). Its stored chunks are
     * hash-partitioned; publishing a list needs no order, so none is paid for.
     */
    public Row row(long item) {
        Row row = stored(item, false);
        Delta d = deltas.get(item);
        if (d == null || d.size == 0) {
            return row;
        }
        // the pending counts of stored pairs, found by probing the pending table; then the pending pairs not stored
        boolean[] taken = new boolean[d.keys.length];
        for (int i = 0; i < row.size; i++) {
            int at = d.slotOf(row.keys[i]);
            if (at >= 0) {
                row.counts[i] += d.values[at];
                taken[at] = true;
            }
        }
        row.ensure(row.size + d.size);
        for (int at = 0; at < d.keys.length; at++) {
            if (d.values[at] != 0 && !taken[at]) {
                row.keys[row.size] = d.keys[at];
                row.counts[row.size++] = d.values[at];
            }
        }
        return row;
    }

    /**
     * Writes every pending change into the store (one record per changed chunk and per changed occurrence count) and
     * forgets it here.
     *
     * @return the records written (chunks, counts and deletions)
     */
    public int checkpoint() {
        lastPairsChanged = pendingPairs;
        lastPairsWritten = 0;
        List<KeyValue<Bytes, byte[]>> writes = new ArrayList<>();
        for (Map.Entry<Long, Delta> e : deltas.entrySet()) {
            long item = e.getKey();
            Delta d = e.getValue();
            if (d.occurrences != 0) {
                int slot = storedSlot(item);
                long v = storedValues[slot];
                long now = (v == ABSENT ? 0 : v) + d.occurrences;
                writes.add(KeyValue.pair(Bytes.wrap(NeighbourCodecs.key(item)), ByteBuffer.allocate(8).putLong(now).array()));
                storedValues[slot] = now; // what the store holds once these writes are applied
            }
            lastDeltaSizes.put(item, d.size);
            if (d.size > 0) {
                int known = rowSizes.get(item, -1);
                if (known < 0 || !writeChangedChunks(item, known, d, writes)) {
                    rowSizes.put(item, writeRow(item, stored(item, true), d, writes));
                }
            }
        }
        if (!writes.isEmpty()) {
            store.putAll(writes);
        }
        deltas.clear();
        pendingPairs = 0;
        return writes.size();
    }

    /** Distinct (item, other) pairs the last {@link #checkpoint} stored anew. */
    public long lastPairsChanged() {
        return lastPairsChanged;
    }

    /**
     * Pairs in the chunks the last {@link #checkpoint} wrote: a changed chunk is written whole, so this over
     * {@link #lastPairsChanged} is the checkpoint's write amplification.
     */
    public long lastPairsWritten() {
        return lastPairsWritten;
    }

    /**
     * Writes the chunks of {@code item}'s row that {@code d} changes, reading only those chunks: the row's shift
     * follows from its stored size. False, with nothing written, when the row outgrows its shift (the caller rewrites
     * the whole row). A popular item's row can span hundreds of chunks, of which a checkpoint usually changes a few.
     */
    private boolean writeChangedChunks(long item, int storedSize, Delta d, List<KeyValue<Bytes, byte[]>> writes) {
        int shift = shift(storedSize);
        long[] dk = sortedKeys(d);
        // the pending keys grouped by chunk, each group in key order (a stable counting sort of the sorted keys)
        int chunks = 1 << shift;
        int[] start = new int[chunks + 1];
        int[] at = new int[dk.length];
        for (int i = 0; i < dk.length; i++) {
            at[i] = index(dk[i], shift);
            start[at[i] + 1]++;
        }
        for (int c = 0; c < chunks; c++) {
            start[c + 1] += start[c];
        }
        long[] grouped = new long[dk.length];
        int[] fill = Arrays.copyOf(start, chunks);
        for (int i = 0; i < dk.length; i++) {
            grouped[fill[at[i]]++] = dk[i];
        }
        List<KeyValue<Bytes, byte[]>> out = new ArrayList<>();
        int added = 0;
        long pairsOut = 0;
        for (int c = 0; c < chunks; c++) {
            if (start[c] == start[c + 1]) {
                continue;
            }
            Bytes key = chunkKey(item, shift, c);
            Row chunk = new Row();
            byte[] v = store.get(key);
            if (v != null) {
                decodeChunk(v, chunk);
            }
            Row merged = merge(chunk, grouped, start[c], start[c + 1], d);
            added += merged.size - chunk.size;
            pairsOut += merged.size;
            out.add(KeyValue.pair(key, encode(merged)));
        }
        if (shift(storedSize + added) != shift) {
            return false;
        }
        writes.addAll(out);
        lastPairsWritten += pairsOut;
        rowSizes.put(item, storedSize + added);
        return true;
    }

    /** Writes {@code item}'s whole row, {@code stored} plus {@code d}, under the shift of its new size; returns the size. */
    private int writeRow(long item, Row stored, Delta d, List<KeyValue<Bytes, byte[]>> writes) {
        Row row = merge(stored, d);
        int shift = shift(row.size);
        boolean[] dirty = new boolean[1 << shift];
        if (stored.size > 0 && shift == stored.shift) {
            for (int i = 0; i < d.keys.length; i++) {
                if (d.values[i] != 0) {
                    dirty[index(d.keys[i], shift)] = true;
                }
            }
        } else {
            Arrays.fill(dirty, true);
            if (stored.size > 0) {
                for (int c = 0; c < 1 << stored.shift; c++) {
                    if (stored.chunks.get(c)) {
                        writes.add(KeyValue.pair(chunkKey(item, stored.shift, c), null));
                    }
                }
            }
        }
        // each dirty chunk's pairs, in row order (sorted), encoded; the chunks sized first, so no part grows
        int[] chunkOf = new int[row.size];
        int[] sizes = new int[1 << shift];
        for (int i = 0; i < row.size; i++) {
            chunkOf[i] = index(row.keys[i], shift);
            sizes[chunkOf[i]]++;
        }
        Row[] parts = new Row[1 << shift];
        for (int i = 0; i < row.size; i++) {
            int c = chunkOf[i];
            if (dirty[c]) {
                if (parts[c] == null) {
                    parts[c] = new Row();
                    parts[c].ensure(sizes[c]);
                }
                parts[c].append(row.keys[i], row.counts[i]);
            }
        }
        for (int c = 0; c < parts.length; c++) {
            if (parts[c] != null) {
                writes.add(KeyValue.pair(chunkKey(item, shift, c), encode(parts[c])));
                lastPairsWritten += parts[c].size;
            }
        }
        return row.size;
    }

    /** One chunk's bytes: {@code version | n varint | n x (other key, count varlong)}, in the row's order. */
    private static byte[] encode(Row r) {
        int n = 1 + varLongSize(r.size) + 8 * r.size;
        for (int i = 0; i < r.size; i++) {
            n += varLongSize(r.counts[i]);
        }
        ByteBuffer b = ByteBuffer.wrap(new byte[n]);
        b.put(CHUNK_VERSION);
        putVarLong(b, r.size);
        for (int i = 0; i < r.size; i++) {
            b.putLong(r.keys[i]);
            putVarLong(b, r.counts[i]);
        }
        return b.array();
    }

    /** The bytes of {@code v} as a varint (7 bits a byte). */
    static int varLongSize(long v) {
        return v == 0 ? 1 : (64 - Long.numberOfLeadingZeros(v) + 6) / 7;
    }

    /** The smallest shift whose chunks hold at most {@link #CHUNK_PAIRS} pairs on average. */
    static int shift(int pairs) {
        int s = 0;
        while (s < MAX_SHIFT && ((long) pairs + (1L << s) - 1) >> s > CHUNK_PAIRS) {
            s++;
        }
        return s;
    }

    /** The chunk of {@code other} in a row of {@code 2^shift} chunks: the top bits of its mixed key. */
    static int index(long other, int shift) {
        if (shift == 0) {
            return 0;
        }
        long z = other + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z = z ^ (z >>> 31);
        return (int) (z >>> (64 - shift));
    }

    static Bytes chunkKey(long item, int shift, int index) {
        return Bytes.wrap(ByteBuffer.allocate(11).putLong(item).put((byte) shift).putShort((short) index).array());
    }

    /** The stored row of {@code item}: every chunk under its prefix, decoded, and sorted when {@code sorted}. */
    private Row stored(long item, boolean sorted) {
        Row r = new Row();
        byte[] from = ByteBuffer.allocate(11).putLong(item).put((byte) 0).putShort((short) 0).array();
        byte[] to = ByteBuffer.allocate(11).putLong(item).put((byte) -1).putShort((short) -1).array();
        try (KeyValueIterator<Bytes, byte[]> it = store.range(Bytes.wrap(from), Bytes.wrap(to))) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> kv = it.next();
                byte[] k = kv.key.get();
                if (k.length != 11) {
                    throw new IllegalStateException("cooccurrence-counts holds a " + k.length + "-byte key under item "
                            + Long.toHexString(item) + ": the one-record-per-pair layout of before 2026-11-22; reset the"
                            + " model's application (docs/operations.md) so that the counts are rebuilt in chunks");
                }
                r.shift = k[8];
                r.chunks.set(((k[9] & 0xff) << 8) | (k[10] & 0xff));
                decodeChunk(kv.value, r);
            }
        }
        if (sorted) {
            r.sort();
        }
        return r;
    }

    private static void decodeChunk(byte[] v, Row r) {
        ByteBuffer b = ByteBuffer.wrap(v);
        if (b.get() != CHUNK_VERSION) {
            throw new IllegalStateException("co-occurrence chunk has encoding version " + v[0] + ", expected " + CHUNK_VERSION);
        }
        int n = (int) getVarLong(b);
        r.ensure(r.size + n);
        for (int i = 0; i < n; i++) {
            r.keys[r.size] = b.getLong();
            r.counts[r.size++] = getVarLong(b);
        }
    }

    /** {@code stored} plus the pending pairs of {@code d}, sorted by the other key (unsigned). */
    private static Row merge(Row stored, Delta d) {
        long[] dk = sortedKeys(d);
        return merge(stored, dk, 0, dk.length, d);
    }

    /** The pending keys of {@code d} in unsigned order. */
    private static long[] sortedKeys(Delta d) {
        long[] dk = new long[d.size];
        int n = 0;
        for (int i = 0; i < d.keys.length; i++) {
            if (d.values[i] != 0) {
                dk[n++] = d.keys[i] ^ Long.MIN_VALUE; // unsigned order by a signed sort
            }
        }
        Arrays.sort(dk);
        for (int i = 0; i < n; i++) {
            dk[i] ^= Long.MIN_VALUE;
        }
        return dk;
    }

    /** {@code stored} (sorted) plus the pending pairs of {@code d} whose keys are {@code dk[from, to)} (sorted). */
    private static Row merge(Row stored, long[] dk, int from, int to, Delta d) {
        Row out = new Row();
        out.ensure(stored.size + to - from);
        int i = 0;
        int j = from;
        while (i < stored.size || j < to) {
            int c = i == stored.size ? 1 : j == to ? -1 : Long.compareUnsigned(stored.keys[i], dk[j]);
            if (c < 0) {
                out.keys[out.size] = stored.keys[i];
                out.counts[out.size++] = stored.counts[i++];
            } else if (c > 0) {
                out.keys[out.size] = dk[j];
                out.counts[out.size++] = d.get(dk[j++]);
            } else {
                out.keys[out.size] = dk[j];
                out.counts[out.size++] = stored.counts[i++] + d.get(dk[j++]);
            }
        }
        return out;
    }

    /**
     * The logical content of a counts store, for comparisons: {@code item} → occurrence count and
     * {@code item>other} → co-occurrence count, keys as hex. The chunking is left out.
     */
    public static TreeMap<String, Long> decode(KeyValueIterator<Bytes, byte[]> all) {
        HexFormat hex = HexFormat.of();
        TreeMap<String, Long> out = new TreeMap<>();
        while (all.hasNext()) {
            KeyValue<Bytes, byte[]> kv = all.next();
            byte[] k = kv.key.get();
            if (k.length == 8) {
                out.put(hex.formatHex(k), ByteBuffer.wrap(kv.value).getLong());
            } else {
                Row r = new Row();
                decodeChunk(kv.value, r);
                String item = hex.formatHex(k, 0, 8);
                for (int i = 0; i < r.size; i++) {
                    out.merge(item + ">" + hex.formatHex(ByteBuffer.allocate(8).putLong(r.keys[i]).array()), r.counts[i], Long::sum);
                }
            }
        }
        return out;
    }

    private static void putVarLong(ByteBuffer b, long v) {
        while ((v & ~0x7FL) != 0) {
            b.put((byte) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        b.put((byte) v);
    }

    private static long getVarLong(ByteBuffer b) {
        long v = 0;
        for (int s = 0; s < 64; s += 7) {
            byte x = b.get();
            v |= (long) (x & 0x7F) << s;
            if (x >= 0) {
                return v;
            }
        }
        throw new IllegalStateException("co-occurrence chunk has a malformed varint");
    }

    /** A row: other item keys (sorted unsigned once complete) and their co-occurrence counts. */
    public static final class Row {
        long[] keys = new long[8];
        long[] counts = new long[8];
        int size;
        /** The shift and the chunk indices it was read from (a stored row only). */
        int shift;
        final java.util.BitSet chunks = new java.util.BitSet();

        public int size() {
            return size;
        }

        public long key(int i) {
            return keys[i];
        }

        public long count(int i) {
            return counts[i];
        }

        void ensure(int n) {
            if (n > keys.length) {
                int cap = Math.max(n, 2 * keys.length);
                keys = Arrays.copyOf(keys, cap);
                counts = Arrays.copyOf(counts, cap);
            }
        }

        void append(long key, long count) {
            ensure(size + 1);
            keys[size] = key;
            counts[size++] = count;
        }

        /** Sorts the pairs by key, unsigned (chunks are hash-partitioned, each sorted; keys are distinct). */
        void sort() {
            boolean sorted = true;
            for (int i = 1; i < size && sorted; i++) {
                sorted = Long.compareUnsigned(keys[i - 1], keys[i]) < 0;
            }
            if (sorted) {
                return;
            }
            long[] k = new long[size];
            for (int i = 0; i < size; i++) {
                k[i] = keys[i] ^ Long.MIN_VALUE; // unsigned order by a signed sort
            }
            Arrays.sort(k);
            long[] c = new long[keys.length];
            for (int i = 0; i < size; i++) {
                c[Arrays.binarySearch(k, keys[i] ^ Long.MIN_VALUE)] = counts[i];
            }
            for (int i = 0; i < size; i++) {
                keys[i] = k[i] ^ Long.MIN_VALUE;
            }
            counts = c;
        }
    }

    /** One item's pending increments: occurrences and an open-addressing map other → count (0 marks a free slot). */
    private static final class Delta {
        long occurrences;
        long[] keys;
        long[] values;
        int size;

        /** A table with room for {@code expected} pairs without growing. */
        Delta(int expected) {
            int cap = capacity(8, expected);
            keys = new long[cap];
            values = new long[cap];
        }

        /** The smallest doubling of {@code cap} that keeps {@code pairs} at a load of at most 1/2. */
        private static int capacity(int cap, int pairs) {
            while (2L * pairs > cap) {
                cap *= 2;
            }
            return cap;
        }

        /** Grows the table once so that {@code more} new keys fit without growing again. */
        void reserve(int more) {
            int cap = capacity(keys.length, size + more);
            if (cap != keys.length) {
                rehash(cap);
            }
        }

        /** Adds; true when the key is new here. */
        boolean add(long key, long v) {
            if (2 * (size + 1) > keys.length) {
                grow();
            }
            int mask = keys.length - 1;
            int i = slot(key, mask);
            while (values[i] != 0) {
                if (keys[i] == key) {
                    values[i] += v;
                    return false;
                }
                i = (i + 1) & mask;
            }
            keys[i] = key;
            values[i] = v;
            size++;
            return true;
        }

        /** The slot holding {@code key}, or -1. */
        int slotOf(long key) {
            int mask = keys.length - 1;
            int i = slot(key, mask);
            while (values[i] != 0) {
                if (keys[i] == key) {
                    return i;
                }
                i = (i + 1) & mask;
            }
            return -1;
        }

        long get(long key) {
            int mask = keys.length - 1;
            int i = slot(key, mask);
            while (values[i] != 0) {
                if (keys[i] == key) {
                    return values[i];
                }
                i = (i + 1) & mask;
            }
            return 0;
        }

        private static int slot(long key, int mask) {
            long z = key * 0x9E3779B97F4A7C15L;
            return (int) (z ^ (z >>> 32)) & mask;
        }

        private void grow() {
            rehash(keys.length * 2);
        }

        private void rehash(int capacity) {
            long[] ok = keys;
            long[] ov = values;
            keys = new long[capacity];
            values = new long[capacity];
            size = 0;
            for (int i = 0; i < ok.length; i++) {
                if (ov[i] != 0) {
                    add(ok[i], ov[i]);
                }
            }
        }
    }
}
