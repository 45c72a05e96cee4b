package dev.hyperrec.topology.tools;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link JfrProfile} on a real JFR recording: the stream threads' waits summed by site, other threads' left out. */
class JfrProfileTest {
    private static final String APP = "jfrtest-app";

    /** Parks the calling thread for {@code ms} on a latch nobody counts down: one wait of at least that long. */
    private static void waitHere(long ms) throws InterruptedException {
        new CountDownLatch(1).await(ms, TimeUnit.MILLISECONDS);
    }

    private static void waitElsewhere(long ms) throws InterruptedException {
        new CountDownLatch(1).await(ms, TimeUnit.MILLISECONDS);
    }

    private static void runAs(String name, Runnable r) throws InterruptedException {
        Thread t = new Thread(r, name);
        t.start();
        t.join();
    }

    @Test
    @SuppressWarnings("unchecked")
    void sumsTheStreamThreadsWaitsBySiteAndLeavesOtherThreadsOut(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("waits.jfr");
        JfrProfile recording = JfrProfile.start(file);
        runAs(APP + "-1234-StreamThread-1", () -> {
            try {
                for (int i = 0; i < 3; i++) {
                    waitHere(60);
                }
                waitElsewhere(25);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        // the same waits on a thread of another name: not a stream thread of the app
        runAs("some-other-thread", () -> {
            try {
                waitHere(60);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        Map<String, Object> p = recording.stopAndSummarise(APP);
        assertThat(Files.size(file)).isPositive();

        List<Map<String, Object>> waits = (List<Map<String, Object>>) p.get("waits_top");
        Map<String, Object> here = site(waits, "JfrProfileTest.waitHere");
        Map<String, Object> elsewhere = site(waits, "JfrProfileTest.waitElsewhere");
        assertThat(here.get("count")).isEqualTo(3L);
        assertThat(here.get("over_50ms")).isEqualTo(3L);
        // a timed park can be recorded a little under its timeout (177.7 ms for three of 60 ms was seen): each is >= 50
        assertThat((double) here.get("total_ms")).isBetween(150.0, 3 * 60.0 + 200);
        assertThat((double) here.get("max_ms")).isBetween(50.0, 60.0 + 200);
        assertThat(elsewhere.get("count")).isEqualTo(1L);
        assertThat(elsewhere.get("over_20ms")).isEqualTo(1L);
        // sorted by the time waited
        assertThat(waits.indexOf(here)).isLessThan(waits.indexOf(elsewhere));
    }

    /** Sorts copies of a random array for {@code ms}: CPU time spent in the JDK, called from this method's one line. */
    private static long sortHere(long ms) {
        long[] a = new java.util.Random(1).longs(4096).toArray();
        long sum = 0;
        long end = System.nanoTime() + ms * 1_000_000L;
        while (System.nanoTime() < end) {
            long[] b = a.clone(); java.util.Arrays.sort(b); sum += b[0]; // SORT_LINE: the JDK's time is counted here
        }
        return sum;
    }

    @Test
    @SuppressWarnings("unchecked")
    void countsTheJdksTimeAtTheLineOfHyperrecsCodeThatCalledIt(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("lines.jfr");
        JfrProfile recording = JfrProfile.start(file);
        long[] sink = new long[1];
        runAs(APP + "-1234-StreamThread-2", () -> sink[0] = sortHere(400));
        Map<String, Object> p = recording.stopAndSummarise(APP);

        List<String> source = Files.readAllLines(Path.of("src/test/java/dev/hyperrec/topology/tools/JfrProfileTest.java"));
        int sortLine = 0;
        for (int i = 0; i < source.size(); i++) {
            if (source.get(i).contains("// SORT_" + "LINE")) {
                sortLine = i + 1;
            }
        }
        List<Map<String, Object>> lines = (List<Map<String, Object>>) p.get("own_lines_top");
        assertThat(lines).isNotEmpty();
        Map<String, Object> first = lines.get(0);
        assertThat(first.get("method")).isEqualTo(JfrProfileTest.class.getName() + ".sortHere:" + sortLine);
        // most samples are inside Arrays.sort, and every one is counted at the line that calls it
        assertThat((double) first.get("share")).isGreaterThan(0.5);
        assertThat(sink[0]).isNotZero();
    }

    private static Map<String, Object> site(List<Map<String, Object>> waits, String site) {
        return waits.stream().filter(w -> w.get("site").equals(site)).findFirst()
                .orElseThrow(() -> new AssertionError("no site " + site + " in " + waits));
    }
}
