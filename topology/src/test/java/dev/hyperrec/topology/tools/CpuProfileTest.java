package dev.hyperrec.topology.tools;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CpuProfileTest {

    @Test
    void threadGroupsDropIdsUuidsAndNumbers() {
        assertThat(CpuProfile.group("[bench-hyperrec-82a407ad-9886-45f5-bc0c-0c019eb69c96-StreamThread-12 tid=4711]"))
                .isEqualTo("bench-hyperrec-*-StreamThread-#");
        assertThat(CpuProfile.group("[GC Thread#3 tid=12]")).isEqualTo("GC Thread##");
        assertThat(CpuProfile.threadName("[main tid=1]")).isEqualTo("main");
        assertThat(CpuProfile.threadName("no brackets")).isEqualTo("no brackets");
    }

    @Test
    void summaryCountsGroupsLeavesAndFramesOnTheStackOncePerSample() {
        String collapsed = String.join("\n",
                "[app-StreamThread-1 tid=10];run;flush;put;rocksdb::Insert 30",
                "[app-StreamThread-2 tid=11];run;flush;score 50",
                "[app-StreamThread-2 tid=11];run;poll;poll;epoll 20", // a frame twice on one stack counts once
                "[GC Thread#0 tid=3];gc_work 40",
                "not a sample line",
                "");
        Map<String, Predicate<String>> sets = new LinkedHashMap<>();
        sets.put("streams", t -> t.startsWith("app-StreamThread-"));
        sets.put("nobody", t -> false);

        Map<String, Object> m = CpuProfile.summarise(collapsed, sets, Map.of());

        assertThat(m.get("samples")).isEqualTo(140L);
        List<Map<String, Object>> groups = rows(m.get("by_thread_group"));
        assertThat(groups).extracting(r -> r.get("frame")).containsExactly("app-StreamThread-#", "GC Thread##");
        assertThat(groups).extracting(r -> r.get("samples")).containsExactly(100L, 40L);

        Map<String, Object> streams = map(m.get("streams"));
        assertThat(streams.get("samples")).isEqualTo(100L);
        assertThat(streams.get("share_of_all")).isEqualTo(0.7143);
        assertThat(rows(streams.get("self_top"))).extracting(r -> r.get("frame"))
                .containsExactly("score", "rocksdb::Insert", "epoll");
        List<Map<String, Object>> inclusive = rows(streams.get("inclusive_top"));
        assertThat(inclusive.get(0)).containsEntry("frame", "run").containsEntry("samples", 100L).containsEntry("share", 1.0);
        assertThat(inclusive).filteredOn(r -> r.get("frame").equals("flush")).singleElement()
                .satisfies(r -> assertThat(r).containsEntry("samples", 80L).containsEntry("share", 0.8));
        assertThat(inclusive).filteredOn(r -> r.get("frame").equals("poll")).singleElement()
                .satisfies(r -> assertThat(r).containsEntry("samples", 20L));
        assertThat(map(m.get("nobody"))).containsEntry("samples", 0L).containsEntry("share_of_all", 0.0);
        assertThat(streams).doesNotContainKey("markers");
    }

    @Test
    void markersCountTheSamplesWithTheirFrameAnywhereOnTheStack() {
        String collapsed = String.join("\n",
                "[app-StreamThread-1 tid=10];run;flush;org/rocksdb/RocksDB.put;rocksdb::Insert 30",
                "[app-StreamThread-1 tid=10];run;process;org/rocksdb/RocksDB.get 10",
                "[app-StreamThread-2 tid=11];run;flush;score 60",
                "[GC Thread#0 tid=3];org/rocksdb/elsewhere 40");
        Map<String, String> markers = new java.util.LinkedHashMap<>();
        markers.put("rocksdb", "org/rocksdb/");
        markers.put("flush", "flush");
        markers.put("absent", "nowhere");

        Map<String, Object> m = CpuProfile.summarise(collapsed, Map.of("streams", t -> t.startsWith("app-StreamThread-")), markers);

        assertThat(map(map(m.get("streams")).get("markers"))).containsExactly(
                java.util.Map.entry("rocksdb", 0.4), java.util.Map.entry("flush", 0.9), java.util.Map.entry("absent", 0.0));
    }

    @Test
    void theBenchsMarkersNameFramesItsProfilesHold() {
        // the labels are the JSON's keys; each frame text must match what async-profiler writes (slashes in Java names)
        assertThat(PipelineBench.PROFILE_MARKERS).containsEntry("rocksdb", "org/rocksdb/")
                .containsEntry("cuda_driver", "jcuda/").containsEntry("write_back", "BatchingProcessor.writeBack");
        assertThat(PipelineBench.PROFILE_MARKERS.values()).noneMatch(f -> f.startsWith("org.") || f.startsWith("dev."));
    }

    /** The real profiler in this JVM: a thread that burns CPU in a known method is found there, and the files are written. */
    @Test
    void aBusyThreadsMethodIsInItsProfile(@TempDir Path dir) throws Exception {
        CpuProfile p = CpuProfile.start();
        Thread busy = new Thread(() -> burn(400_000_000L), "cpu-profile-test-busy");
        busy.start();
        busy.join();
        String collapsed = p.stop(dir, "test");

        Map<String, Object> m = CpuProfile.summarise(collapsed, Map.of("busy", t -> t.equals("cpu-profile-test-busy")), Map.of());

        Map<String, Object> s = map(m.get("busy"));
        assertThat((Long) s.get("samples")).isPositive();
        assertThat(rows(s.get("inclusive_top"))).extracting(r -> (String) r.get("frame"))
                .anyMatch(f -> f.endsWith("CpuProfileTest.burn"));
        try (var in = new GZIPInputStream(Files.newInputStream(dir.resolve("test.collapsed.gz")))) {
            assertThat(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(collapsed);
        }
        assertThat(dir.resolve("test.html")).isNotEmptyFile();
    }

    static volatile double sink;

    /** Spins for about {@code ns} nanoseconds of wall time. */
    static void burn(long ns) {
        long end = System.nanoTime() + ns;
        double s = 0;
        while (System.nanoTime() < end) {
            for (int i = 1; i < 10_000; i++) {
                s += Math.sqrt(i);
            }
        }
        sink = s;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> rows(Object o) {
        return (List<Map<String, Object>>) o;
    }
}
