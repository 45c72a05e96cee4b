package dev.hyperrec.topology.internal;

import dev.hyperrec.operators.BanditTable;
import dev.hyperrec.operators.ItemKeys;
import dev.hyperrec.topology.StoreNames;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;

/**
 * How a task's bandit arms live in its {@code bandit-params} store: a log of what each flush changed, folded in turn into
 * chunks of hash buckets, so that a flush writes a handful of records where a record an arm cost about three records an
 * event (docs/benchmarks.md, "Session 30").
 *
 * <p>An arm is (segment, item key) → (impressions, clicks), and neither count ever decreases. Every record holds arms with
 * their counts as of the flush that wrote it, so the store's content is, arm by arm, the largest counts any record holds;
 * the order records are read in does not matter. The records:
 * <ul>
 * <li><b>delta</b>, key {@code 'D'} + sequence (8 bytes) + part (4 bytes): the arms one flush changed, at most
 *     {@link #PART_ARMS} a record;</li>
 * <li><b>chunk</b>, key {@code 'C'} + bucket (4 bytes): every arm of one of the {@link #BUCKETS} buckets that
 *     {@link #bucket} spreads arms over, as of the flush that wrote it;</li>
 * <li><b>arm</b>, key segment (4 bytes) + item key (8 bytes), value impressions + clicks: the layout before this one, read
 *     on restore and deleted once every bucket has been written since.</li>
 * </ul>
 * An arm in a record is 28 bytes: segment, item key, impressions, clicks (big-endian).
 *
 * <p>A flush writes its delta, then rewrites the next buckets in turn (round robin, empty ones passed over) until the
 * chunks written hold at least as many arms as the delta; a delta that the same flush's chunks cover entirely (every bucket
 * rewritten in it) is not written. Once every bucket has been rewritten since a delta, each of its arms is in a newer chunk
 * and the delta is deleted. So a flush writes one delta record (or a few), its share of chunks and a tombstone or two; the
 * store holds the table about once in chunks and about once more in deltas; and a restore reads about twice the table.
 * Nothing here depends on the order arms entered the table: a restore may insert them in any order.
 *
 * <p>{@link #BUCKETS} and {@link #bucket} are part of the layout: a chunk holding an arm of another bucket fails the restore.
 *
 * <p>Thread affinity: the owning task's thread, as its table's.
 */
public final class BanditLog {
    /** Hash buckets a table's arms are spread over, each one chunk record. */
    public static final int BUCKETS = 1 << 10;
    /** Arms a delta record holds at most (16,384 × 28 bytes = 448 KiB, under Kafka's 1 MiB default record size). */
    public static final int PART_ARMS = 16_384;
    static final int ARM_BYTES = 28;
    private static final byte CHUNK = 'C';
    private static final byte DELTA = 'D';
    private static final int CHUNK_KEY_BYTES = 5;
    private static final int DELTA_KEY_BYTES = 13;
    private static final int ARM_KEY_BYTES = 12;
    private static final int ARM_VALUE_BYTES = 16;

    private final BanditTable table;
    private final int[][] members = new int[BUCKETS][];
    private final int[] memberCount = new int[BUCKETS];
    /** Table entries already placed in their buckets: entries are never removed and keep their index. */
    private int placed;
    /** The sequence of the flush that last wrote each bucket since this log was made (restored); MIN_VALUE for none. */
    private final long[] writtenAt = new long[BUCKETS];
    private int cursor;
    private long nextSeq;
    /** Keys of deltas and old-layout arms, with the sequence of the flush after which every bucket must be written again. */
    private final ArrayDeque<Superseded> superseded = new ArrayDeque<>();

    private record Superseded(long seq, Bytes key) {
    }

    private BanditLog(BanditTable table) {
        this.table = table;
        Arrays.fill(writtenAt, Long.MIN_VALUE);
    }

    /** A log for an empty store over {@code table}, which must be empty too. */
    public static BanditLog empty(BanditTable table) {
        if (table.size() != 0) {
            throw new IllegalArgumentException("a table of " + table.size() + " arms over an empty store");
        }
        return new BanditLog(table);
    }

    /**
     * Reads a task's {@code bandit-params} records into {@code table} (counts restored as {@link BanditTable#put}, not
     * dirty) and returns the log that goes on writing them.
     *
     * @throws IllegalStateException for a record of no known layout, or a chunk holding an arm of another bucket
     */
    public static BanditLog restore(Iterator<KeyValue<Bytes, byte[]>> records, BanditTable table) {
        BanditLog log = new BanditLog(table);
        List<Superseded> deltas = new ArrayList<>();
        long maxSeq = -1;
        while (records.hasNext()) {
            KeyValue<Bytes, byte[]> kv = records.next();
            byte[] key = kv.key.get();
            long seq = merge(key, kv.value, table);
            if (key.length == DELTA_KEY_BYTES) {
                deltas.add(new Superseded(seq, kv.key));
                maxSeq = Math.max(maxSeq, seq);
            } else if (key.length == ARM_KEY_BYTES) {
                log.superseded.add(new Superseded(-1, kv.key));
            }
        }
        deltas.sort((a, b) -> Long.compare(a.seq, b.seq));
        log.superseded.addAll(deltas);
        log.nextSeq = maxSeq + 1;
        log.place();
        table.clearDirty();
        return log;
    }

    /** The arms {@code records} (a {@code bandit-params} store's content, any layout) hold, in a new table. */
    public static BanditTable decode(Iterator<KeyValue<Bytes, byte[]>> records) {
        BanditTable t = new BanditTable();
        while (records.hasNext()) {
            KeyValue<Bytes, byte[]> kv = records.next();
            merge(kv.key.get(), kv.value, t);
        }
        t.clearDirty();
        return t;
    }

    /**
     * The records that write back what changed in the table since the last call, in order: delta parts, chunks, then
     * tombstones ({@code null} values) of what they supersede. None when no arm changed. The caller writes them and clears
     * the table's dirty set.
     */
    public List<KeyValue<Bytes, byte[]>> flush() {
        place();
        int dirty = table.dirtyCount();
        List<KeyValue<Bytes, byte[]>> out = new ArrayList<>();
        if (dirty == 0) {
            return out;
        }
        long seq = nextSeq++;
        int[] chunks = new int[BUCKETS];
        int n = 0;
        long budget = dirty;
        for (int visited = 0; visited < BUCKETS && budget > 0; visited++) {
            int c = cursor;
            cursor = (cursor + 1) % BUCKETS;
            writtenAt[c] = seq;
            if (memberCount[c] > 0) {
                chunks[n++] = c;
                budget -= memberCount[c];
            }
        }
        // buckets are written in turn, so the one at the cursor was written longest ago
        long covered = writtenAt[cursor];
        List<Bytes> parts = new ArrayList<>();
        if (covered < seq) {
            writeDelta(seq, dirty, out, parts);
        }
        for (int i = 0; i < n; i++) {
            out.add(KeyValue.pair(Bytes.wrap(chunkKey(chunks[i])), chunk(chunks[i])));
        }
        while (!superseded.isEmpty() && superseded.peekFirst().seq <= covered) {
            out.add(KeyValue.pair(superseded.pollFirst().key, null));
        }
        for (Bytes part : parts) {
            superseded.addLast(new Superseded(seq, part));
        }
        return out;
    }

    /** The bucket of an arm: part of the store's layout. */
    static int bucket(int segment, long itemKey) {
        return (int) (ItemKeys.mix64(itemKey + 0x9E3779B97F4A7C15L * (segment + 1L)) >>> (64 - Integer.numberOfTrailingZeros(BUCKETS)));
    }

    /** Deltas and old-layout arms kept until every bucket is written again. */
    int supersededCount() {
        return superseded.size();
    }

    private void writeDelta(long seq, int dirty, List<KeyValue<Bytes, byte[]>> out, List<Bytes> parts) {
        ByteBuffer[] part = {null};
        int[] partNo = {0};
        table.forEachDirty((segment, key, impressions, clicks) -> {
            if (part[0] == null || !part[0].hasRemaining()) {
                int left = dirty - partNo[0] * PART_ARMS;
                part[0] = ByteBuffer.allocate(Math.min(PART_ARMS, left) * ARM_BYTES);
                Bytes k = Bytes.wrap(ByteBuffer.allocate(DELTA_KEY_BYTES).put(DELTA).putLong(seq).putInt(partNo[0]++).array());
                parts.add(k);
                out.add(KeyValue.pair(k, part[0].array()));
            }
            part[0].putInt(segment).putLong(key).putLong(impressions).putLong(clicks);
        });
    }

    private byte[] chunk(int c) {
        int[] m = members[c];
        ByteBuffer b = ByteBuffer.allocate(memberCount[c] * ARM_BYTES);
        for (int i = 0; i < memberCount[c]; i++) {
            int e = m[i];
            b.putInt(table.segmentAt(e)).putLong(table.keyAt(e)).putLong(table.impressionsAt(e)).putLong(table.clicksAt(e));
        }
        return b.array();
    }

    private static byte[] chunkKey(int c) {
        return ByteBuffer.allocate(CHUNK_KEY_BYTES).put(CHUNK).putInt(c).array();
    }

    /** Puts the table's entries added since the last call in their buckets. */
    private void place() {
        for (int e = placed; e < table.size(); e++) {
            int c = bucket(table.segmentAt(e), table.keyAt(e));
            int[] m = members[c];
            if (m == null) {
                m = members[c] = new int[4];
            } else if (memberCount[c] == m.length) {
                m = members[c] = Arrays.copyOf(m, 2 * m.length);
            }
            m[memberCount[c]++] = e;
        }
        placed = table.size();
    }

    /**
     * Merges one record into {@code table}, each arm at the larger of the counts it has and the record's; returns a
     * delta's sequence (-1 for other records).
     */
    private static long merge(byte[] key, byte[] value, BanditTable table) {
        if (key.length == ARM_KEY_BYTES && value.length == ARM_VALUE_BYTES) {
            ByteBuffer k = ByteBuffer.wrap(key);
            ByteBuffer v = ByteBuffer.wrap(value);
            mergeArm(table, k.getInt(), k.getLong(), v.getLong(), v.getLong());
            return -1;
        }
        ByteBuffer k = ByteBuffer.wrap(key);
        if (value.length % ARM_BYTES != 0
                || !(key.length == CHUNK_KEY_BYTES && key[0] == CHUNK || key.length == DELTA_KEY_BYTES && key[0] == DELTA)) {
            throw new IllegalStateException(StoreNames.BANDIT + " holds a record of no known layout: key of " + key.length
                    + " bytes starting " + key[0] + ", value of " + value.length + " bytes (see docs/operations.md, \""
                    + StoreNames.BANDIT + "\")");
        }
        k.get();
        int bucket = key.length == CHUNK_KEY_BYTES ? k.getInt() : -1;
        long seq = key.length == DELTA_KEY_BYTES ? k.getLong() : -1;
        ByteBuffer v = ByteBuffer.wrap(value);
        while (v.hasRemaining()) {
            int segment = v.getInt();
            long item = v.getLong();
            if (bucket >= 0 && bucket(segment, item) != bucket) {
                throw new IllegalStateException(StoreNames.BANDIT + " chunk " + bucket + " holds arm (" + segment + ", " + item
                        + ") of bucket " + bucket(segment, item) + ": written with another bucket layout");
            }
            mergeArm(table, segment, item, v.getLong(), v.getLong());
        }
        return seq;
    }

    private static void mergeArm(BanditTable table, int segment, long item, long impressions, long clicks) {
        table.put(segment, item, Math.max(impressions, table.impressions(segment, item)),
                Math.max(clicks, table.clicks(segment, item)));
    }
}
