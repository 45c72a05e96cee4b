package dev.hyperrec.topology.tools;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

/**
 * What a RocksJava {@code get()} costs for a key that is there and for one that is not, on one thread: up to 10.1.3
 * (Kafka Streams 4.3's own) the JNI stub turned a miss into a C++ exception and caught it (facebook/rocksdb#13023),
 * which made a miss dearer than a hit; the pom pins a RocksJava without it. Not a test (it asserts nothing): run it
 * with the project's classpath, or with another {@code rocksdbjni} jar in its place to compare versions:
 *
 * <pre>
 * java -cp "$(cat topology/target/classpath.txt):topology/target/test-classes" dev.hyperrec.topology.tools.RocksDbMissBench
 * </pre>
 */
public final class RocksDbMissBench {
    private RocksDbMissBench() {
    }

    public static void main(String[] args) throws Exception {
        int keys = 100_000;
        int gets = 300_000;
        RocksDB.loadLibrary();
        Path dir = Files.createTempDirectory("rocksdb-miss-bench");
        try (Options o = new Options().setCreateIfMissing(true); RocksDB db = RocksDB.open(o, dir.toString())) {
            for (int i = 0; i < keys; i++) {
                db.put(key("k", i), new byte[8]);
            }
            for (int round = 0; round < 3; round++) {
                double hitNs = time(db, "k", Math.min(keys, gets), gets);
                double missNs = time(db, "m", 0, gets);
                System.out.printf(Locale.ROOT, "rocksdbjni %s: %d gets of present keys %.0f ns a get; %d of missing keys %.0f ns a get%n",
                        RocksDB.rocksdbVersion(), gets, hitNs, gets, missNs);
            }
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Mean ns of {@code gets} gets of keys {@code prefix + (i mod range)} ({@code range} 0: every key distinct). */
    private static double time(RocksDB db, String prefix, int range, int gets) throws RocksDBException {
        long t0 = System.nanoTime();
        int found = 0;
        for (int i = 0; i < gets; i++) {
            if (db.get(key(prefix, range == 0 ? i : i % range)) != null) {
                found++;
            }
        }
        long ns = System.nanoTime() - t0;
        if ((prefix.equals("m") && found != 0) || (!prefix.equals("m") && found != gets)) {
            throw new IllegalStateException("found " + found + " of " + gets + " " + prefix + " keys");
        }
        return (double) ns / gets;
    }

    private static byte[] key(String prefix, int i) {
        return (prefix + i).getBytes(StandardCharsets.UTF_8);
    }
}
