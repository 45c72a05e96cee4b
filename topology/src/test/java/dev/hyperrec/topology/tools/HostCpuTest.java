package dev.hyperrec.topology.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The machine's CPU over a window: parsing /proc/stat and the shares and per-event figures of two snapshots. */
class HostCpuTest {
    private static final String STAT_START = """
            cpu  1000 200 300 8000 50 10 40 0 0 0
            cpu0 500 100 150 4000 25 5 20 0 0 0
            cpu1 500 100 150 4000 25 5 20 0 0 0
            intr 12345 0 0
            ctxt 999
            procs_running 3
            procs_blocked 0
            """;

    @Test
    void parsesTheAggregateLineAndTheRunnableThreads() {
        HostCpu.Stat s = HostCpu.Stat.parse(STAT_START);
        assertThat(s).isEqualTo(new HostCpu.Stat(1000, 200, 300, 8000, 50, 10, 40, 0, 3));
        assertThat(s.total()).isEqualTo(9600);
        assertThat(s.busy()).isEqualTo(1550);
        assertThatThrownBy(() -> HostCpu.Stat.parse("cpu0 1 2 3 4\nprocs_running 1\n"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(HostCpu.Stat.parse("cpu  1 2 3 4 5 6 7 8\n").procsRunning()).isEqualTo(-1);
    }

    @Test
    void sharesAreOfAllCoresTimeAndTheRestIsTheBusyTimeNoNamedProcessHad() {
        HostCpu.Stat start = HostCpu.Stat.parse(STAT_START);
        // 2 cores for 5 s = 1,000 ticks: 600 user, 200 nice, 100 system, 20 irq + softirq, 60 idle, 20 iowait
        HostCpu.Stat end = new HostCpu.Stat(1600, 400, 400, 8060, 70, 20, 50, 0, 2);
        Map<String, Double> processes = new LinkedHashMap<>();
        processes.put("this_jvm", 4.0);
        processes.put("broker", 2.0);
        processes.put("model_jvm", Double.NaN);
        Map<String, Object> m = HostCpu.figures(start, end, 2, 5.0, processes, new int[] {1, 2, 3, 4}, 100_000);
        assertThat(m.get("busy_share")).isEqualTo(0.92);
        assertThat(m.get("user_share")).isEqualTo(0.6);
        assertThat(m.get("nice_share")).isEqualTo(0.2);
        assertThat(m.get("system_share")).isEqualTo(0.12);
        assertThat(m.get("idle_share")).isEqualTo(0.06);
        assertThat(m.get("iowait_share")).isEqualTo(0.02);
        assertThat(m.get("busy_cpu_s")).isEqualTo(9.2);
        assertThat(m.get("runnable_mean")).isEqualTo(2.5);
        assertThat(m.get("runnable_max")).isEqualTo(4);
        assertThat(m.get("runnable_over_cores_share")).isEqualTo(0.5);
        @SuppressWarnings("unchecked")
        Map<String, Object> cpu = (Map<String, Object>) m.get("cpu_s");
        assertThat(cpu).containsEntry("this_jvm", 4.0).containsEntry("broker", 2.0).containsEntry("rest_of_machine", 3.2);
        @SuppressWarnings("unchecked")
        Map<String, Object> perEvent = (Map<String, Object>) m.get("cpu_us_per_event");
        // an unknown process (NaN) is neither counted in the rest nor given a per-event figure
        assertThat(perEvent).containsEntry("this_jvm", 40.0).containsEntry("broker", 20.0)
                .containsEntry("rest_of_machine", 32.0).containsEntry("machine", 92.0).doesNotContainKey("model_jvm");
    }

    @Test
    void withoutProcStatOnlyTheProcessesAreReported() {
        Map<String, Object> m = HostCpu.figures(null, null, 4, 1.0, Map.of("this_jvm", 0.5), new int[0], 1000);
        assertThat(m).doesNotContainKeys("busy_share", "busy_cpu_s", "runnable_mean");
        assertThat(m.get("cpu_us_per_event")).isEqualTo(Map.of("this_jvm", 500.0));
    }

    private static volatile long sink;

    @Test
    void aLiveWindowOnThisMachineCountsTheCpuItBurns() throws Exception {
        // the figures' arithmetic is covered above; the live read needs Linux (CI's machine)
        assumeTrue(Files.isReadable(Path.of("/proc/stat")), "no /proc/stat here");
        double[] burnt = {0};
        Map<String, Object> m;
        try (HostCpu w = HostCpu.start(() -> Map.of("this_jvm", burnt[0]))) {
            long t0 = System.nanoTime();
            while (System.nanoTime() - t0 < 300_000_000L) {
                sink += Long.numberOfTrailingZeros(sink + System.nanoTime());
            }
            burnt[0] = 0.3;
            m = w.stop(3);
        }
        assertThat((double) m.get("busy_share")).isGreaterThan(0.0).isLessThanOrEqualTo(1.0);
        assertThat((double) m.get("seconds")).isGreaterThanOrEqualTo(0.3);
        assertThat((int) m.get("runnable_samples")).isGreaterThanOrEqualTo(1);
        assertThat((int) m.get("runnable_max")).isGreaterThanOrEqualTo(1);
        @SuppressWarnings("unchecked")
        Map<String, Object> cpu = (Map<String, Object>) m.get("cpu_s");
        assertThat(cpu.get("this_jvm")).isEqualTo(0.3);
    }
}
