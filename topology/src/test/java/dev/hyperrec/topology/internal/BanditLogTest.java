package dev.hyperrec.topology.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hyperrec.operators.BanditTable;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BanditLogTest {

    /** A key-value store as the log's records leave it: a put per value, a delete per tombstone. */
    private static void apply(TreeMap<Bytes, byte[]> store, List<KeyValue<Bytes, byte[]>> records) {
        for (KeyValue<Bytes, byte[]> r : records) {
            if (r.value == null) {
                store.remove(r.key);
            } else {
                store.put(r.key, r.value);
            }
        }
    }

    private static List<KeyValue<Bytes, byte[]>> records(TreeMap<Bytes, byte[]> store) {
        List<KeyValue<Bytes, byte[]>> out = new ArrayList<>();
        store.forEach((k, v) -> out.add(KeyValue.pair(k, v)));
        return out;
    }

    /** The table's arms, {@code segment/item} → {@code {impressions, clicks}}. */
    private static Map<String, List<Long>> arms(BanditTable t) {
        Map<String, List<Long>> out = new TreeMap<>();
        t.forEach((segment, item, impressions, clicks) -> out.put(segment + "/" + item, List.of(impressions, clicks)));
        return out;
    }

    private static Map<String, List<Long>> decoded(TreeMap<Bytes, byte[]> store) {
        return arms(BanditLog.decode(records(store).iterator()));
    }

    /** Impressions and clicks on Zipf-like items over all 15 segments. */
    private static void events(BanditTable t, SplittableRandom rnd, int n, int items) {
        for (int i = 0; i < n; i++) {
            int segment = rnd.nextInt(15);
            long item = (long) Math.floor(Math.pow(items, rnd.nextDouble())) * 7919L - 40_000L;
            if (rnd.nextInt(10) == 0) {
                t.recordClick(segment, item);
            } else {
                t.recordImpression(segment, item);
            }
        }
    }

    private static int count(TreeMap<Bytes, byte[]> store, int keyBytes) {
        return (int) store.keySet().stream().filter(k -> k.get().length == keyBytes).count();
    }

    private static List<KeyValue<Bytes, byte[]>> flush(BanditLog log, BanditTable t) {
        List<KeyValue<Bytes, byte[]>> out = log.flush();
        t.clearDirty();
        return out;
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4})
    void theStoreHoldsExactlyTheTableAfterEveryFlushAndEveryRestore(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        TreeMap<Bytes, byte[]> store = new TreeMap<>();
        BanditTable table = new BanditTable();
        BanditLog log = BanditLog.empty(table);
        int restores = 0;
        for (int f = 0; f < 300; f++) {
            events(table, rnd, 1 + rnd.nextInt(400), 2_000);
            apply(store, flush(log, table));
            assertThat(decoded(store)).as("flush %d", f).isEqualTo(arms(table));
            if (rnd.nextInt(25) == 0) {
                BanditTable restored = new BanditTable();
                log = BanditLog.restore(records(store).iterator(), restored);
                assertThat(arms(restored)).isEqualTo(arms(table));
                assertThat(restored.dirtyCount()).isZero();
                table = restored;
                restores++;
            }
        }
        assertThat(restores).isPositive();
        assertThat(table.size()).as("arms enough to fill most buckets").isGreaterThan(5 * BanditLog.BUCKETS);
        assertThat(count(store, 5)).as("chunks").isPositive();
    }

    @Test
    void aFlushWritesAHandfulOfRecordsWhereTheOldLayoutWroteOneAnArm() {
        SplittableRandom rnd = new SplittableRandom(7);
        TreeMap<Bytes, byte[]> store = new TreeMap<>();
        BanditTable table = new BanditTable();
        BanditLog log = BanditLog.empty(table);
        for (int i = 0; i < 60_000; i++) {
            table.recordImpression(rnd.nextInt(15), rnd.nextLong());
        }
        apply(store, flush(log, table));
        int maxRecords = 0;
        int maxDeltas = 0;
        for (int f = 0; f < 100; f++) {
            for (int i = 0; i < 3_000; i++) { // about 3,000 of the table's arms change a flush
                int e = rnd.nextInt(table.size());
                table.recordImpression(table.segmentAt(e), table.keyAt(e));
            }
            int dirty = table.dirtyCount();
            List<KeyValue<Bytes, byte[]>> records = flush(log, table);
            assertThat(dirty).isGreaterThan(2_500);
            maxRecords = Math.max(maxRecords, records.size());
            apply(store, records);
            maxDeltas = Math.max(maxDeltas, count(store, 13));
            assertThat(records.stream().filter(r -> r.value != null).mapToInt(r -> r.value.length).sum())
                    .as("bytes: the delta and at most as many arms again in chunks, plus one bucket")
                    .isLessThanOrEqualTo(2 * dirty * BanditLog.ARM_BYTES + 200 * BanditLog.ARM_BYTES);
        }
        // about 60 arms a bucket: a delta, ~50 chunks and a tombstone a flush, and about 20 flushes' deltas kept
        assertThat(maxRecords).isLessThan(80);
        assertThat(maxDeltas).isBetween(10, 30);
        assertThat(table.size()).isEqualTo(60_000);
        assertThat(store.size()).isLessThanOrEqualTo(BanditLog.BUCKETS + 30);
        assertThat(decoded(store)).isEqualTo(arms(table));
    }

    @Test
    void everyPrefixOfAFlushsRecordsLosesNoArm() {
        SplittableRandom rnd = new SplittableRandom(11);
        TreeMap<Bytes, byte[]> store = new TreeMap<>();
        BanditTable table = new BanditTable();
        BanditLog log = BanditLog.empty(table);
        int prefixes = 0;
        for (int f = 0; f < 120; f++) {
            Map<String, List<Long>> before = arms(table);
            events(table, rnd, 300, 5_000);
            Map<String, List<Long>> after = arms(table);
            List<KeyValue<Bytes, byte[]>> records = flush(log, table);
            // at-least-once: a crash may leave any prefix of a flush's records in the changelog
            for (int n = 0; n <= records.size(); n += Math.max(1, records.size() / 7)) {
                TreeMap<Bytes, byte[]> partial = new TreeMap<>(store);
                apply(partial, records.subList(0, n));
                Map<String, List<Long>> seen = decoded(partial);
                List<String> wrong = new ArrayList<>();
                before.keySet().stream().filter(arm -> !seen.containsKey(arm)).forEach(arm -> wrong.add(arm + " lost"));
                seen.forEach((arm, c) -> {
                    List<Long> lo = before.getOrDefault(arm, List.of(0L, 0L));
                    List<Long> hi = after.get(arm);
                    for (int i = 0; i < 2; i++) {
                        if (c.get(i) < lo.get(i) || c.get(i) > hi.get(i)) {
                            wrong.add(arm + " " + c + " outside " + lo + ".." + hi);
                        }
                    }
                });
                assertThat(wrong).as("flush %d, prefix %d of %d", f, n, records.size()).isEmpty();
                prefixes++;
            }
            apply(store, records);
        }
        assertThat(prefixes).isGreaterThan(120 * 5);
        assertThat(decoded(store)).isEqualTo(arms(table));
    }

    @Test
    void aStoreOfOneRecordAnArmIsRestoredAndMovedToChunks() {
        SplittableRandom rnd = new SplittableRandom(5);
        TreeMap<Bytes, byte[]> store = new TreeMap<>();
        BanditTable reference = new BanditTable();
        for (int i = 0; i < 600; i++) {
            int segment = rnd.nextInt(15);
            long item = rnd.nextLong();
            long impressions = 1 + rnd.nextInt(50);
            long clicks = rnd.nextInt(5);
            reference.put(segment, item, impressions, clicks);
            store.put(Bytes.wrap(Codecs.banditKey(segment, item)), Codecs.longs(impressions, clicks));
        }
        BanditTable table = new BanditTable();
        BanditLog log = BanditLog.restore(records(store).iterator(), table);
        assertThat(arms(table)).isEqualTo(arms(reference));
        assertThat(log.supersededCount()).isEqualTo(600);
        int flushes = 0;
        while (count(store, 12) > 0) {
            assertThat(flushes++).as("the old records outlive a round of the buckets").isLessThan(BanditLog.BUCKETS);
            int e = rnd.nextInt(table.size());
            table.recordClick(table.segmentAt(e), table.keyAt(e));
            apply(store, flush(log, table));
            assertThat(decoded(store)).isEqualTo(arms(table));
        }
        assertThat(flushes).as("one arm changed a flush: the buckets go round slowly").isGreaterThan(100);
        assertThat(count(store, 5)).isPositive();
    }

    @Test
    void recordsOfNoKnownLayoutFailTheRestoreWithTheirShape() {
        byte[] arms = ByteBuffer.allocate(BanditLog.ARM_BYTES).putInt(3).putLong(42L).putLong(5).putLong(1).array();
        int bucket = BanditLog.bucket(3, 42L);
        BanditTable ok = BanditLog.decode(List.of(KeyValue.pair(chunkKey(bucket), arms)).iterator());
        assertThat(ok.impressions(3, 42L)).isEqualTo(5);
        assertThat(ok.clicks(3, 42L)).isEqualTo(1);

        assertThatThrownBy(() -> BanditLog.restore(List.of(KeyValue.pair(chunkKey((bucket + 1) % BanditLog.BUCKETS), arms))
                .iterator(), new BanditTable()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("another bucket layout");
        assertThatThrownBy(() -> BanditLog.decode(List.of(KeyValue.pair(Bytes.wrap(new byte[7]), arms)).iterator()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("key of 7 bytes");
        assertThatThrownBy(() -> BanditLog.decode(List.of(KeyValue.pair(chunkKey(bucket), new byte[30])).iterator()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("value of 30 bytes");
        assertThatThrownBy(() -> BanditLog.empty(ok)).isInstanceOf(IllegalArgumentException.class);
    }

    private static Bytes chunkKey(int bucket) {
        return Bytes.wrap(ByteBuffer.allocate(5).put((byte) 'C').putInt(bucket).array());
    }
}
