package dev.hyperrec.topology.tools;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The whole machine's CPU over a window (a drain), from Linux's {@code /proc/stat}: the share of all cores' time that
 * was busy (user, nice, system, interrupts), idle, waiting for I/O or stolen by the hypervisor; the runnable threads
 * ({@code procs_running}) sampled every {@value #SAMPLE_MS} ms; and the CPU seconds of named processes over the same
 * window (this JVM, the broker, the model's JVM), also as microseconds per event.
 *
 * <p>It answers whether a run was bound by the machine's cores: a busy share near 1 with more runnable threads than
 * cores means the threads waited for a core, which no wait inside the JVM shows. Where {@code /proc/stat} is absent
 * (not Linux) {@link #stop(long)} reports only the processes.
 */
final class HostCpu implements AutoCloseable {
    static final long SAMPLE_MS = 50;
    private static final Path PROC_STAT = Path.of("/proc/stat");

    /** The aggregate {@code cpu} line of {@code /proc/stat} (clock ticks, all cores) and {@code procs_running}. */
    record Stat(long user, long nice, long system, long idle, long iowait, long irq, long softirq, long steal,
            int procsRunning) {

        long total() {
            return user + nice + system + idle + iowait + irq + softirq + steal;
        }

        long busy() {
            return user + nice + system + irq + softirq;
        }

        /** Parses the text of {@code /proc/stat}; {@code procsRunning} is -1 when its line is missing. */
        static Stat parse(String text) {
            long[] f = null;
            int running = -1;
            for (String line : text.split("\n")) {
                if (line.startsWith("cpu ")) {
                    String[] p = line.trim().split("\\s+");
                    f = new long[8];
                    for (int i = 0; i < 8 && i + 1 < p.length; i++) {
                        f[i] = Long.parseLong(p[i + 1]);
                    }
                } else if (line.startsWith("procs_running ")) {
                    running = Integer.parseInt(line.substring("procs_running ".length()).trim());
                }
            }
            if (f == null) {
                throw new IllegalArgumentException("no aggregate cpu line");
            }
            return new Stat(f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], running);
        }

        static Stat readOrNull() {
            try {
                return parse(Files.readString(PROC_STAT));
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }
    }

    private final Supplier<Map<String, Double>> processes;
    private final Map<String, Double> processesAtStart;
    private final Stat start;
    private final long startNs;
    private final List<Integer> runnable = new ArrayList<>();
    private final Thread sampler;
    private volatile boolean stopped;

    private HostCpu(Supplier<Map<String, Double>> processes) {
        this.processes = processes;
        this.processesAtStart = processes.get();
        this.start = Stat.readOrNull();
        this.startNs = System.nanoTime();
        this.sampler = new Thread(this::sample, "host-cpu-sampler");
        sampler.setDaemon(true);
        if (start != null) {
            sampler.start();
        }
    }

    /**
     * Starts a window now; {@code processes}: a snapshot of name → that process's CPU seconds so far (NaN when unknown),
     * taken at the window's start and end.
     */
    static HostCpu start(Supplier<Map<String, Double>> processes) {
        return new HostCpu(processes);
    }

    private void sample() {
        while (!stopped) {
            Stat s = Stat.readOrNull();
            if (s != null && s.procsRunning() >= 0) {
                synchronized (runnable) {
                    runnable.add(s.procsRunning());
                }
            }
            try {
                Thread.sleep(SAMPLE_MS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Ends the window and returns its figures; {@code events}: the events it handled (for CPU µs an event). */
    Map<String, Object> stop(long events) {
        close();
        double seconds = (System.nanoTime() - startNs) / 1e9;
        Map<String, Double> cpu = new LinkedHashMap<>();
        processes.get().forEach((name, now) -> cpu.put(name, now - processesAtStart.getOrDefault(name, Double.NaN)));
        Stat end = start == null ? null : Stat.readOrNull();
        int[] samples;
        synchronized (runnable) {
            samples = runnable.stream().mapToInt(Integer::intValue).toArray();
        }
        return figures(start, end, Runtime.getRuntime().availableProcessors(), seconds, cpu, samples, events);
    }

    /** The window's figures from its two {@code /proc/stat} snapshots (null: not on Linux), pure for tests. */
    static Map<String, Object> figures(Stat start, Stat end, int cores, double seconds, Map<String, Double> processCpuS,
            int[] runnableSamples, long events) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cores", cores);
        m.put("seconds", PipelineBench.round(seconds, 3));
        if (start != null && end != null && end.total() > start.total()) {
            double total = end.total() - start.total();
            m.put("busy_share", PipelineBench.round((end.busy() - start.busy()) / total, 3));
            m.put("user_share", PipelineBench.round((end.user() - start.user()) / total, 3));
            m.put("nice_share", PipelineBench.round((end.nice() - start.nice()) / total, 3));
            m.put("system_share", PipelineBench.round((end.system() + end.irq() + end.softirq() - start.system() - start.irq()
                    - start.softirq()) / total, 3));
            m.put("idle_share", PipelineBench.round((end.idle() - start.idle()) / total, 3));
            m.put("iowait_share", PipelineBench.round((end.iowait() - start.iowait()) / total, 3));
            m.put("steal_share", PipelineBench.round((end.steal() - start.steal()) / total, 3));
            // ticks of USER_HZ (100 a second on Linux)
            m.put("busy_cpu_s", PipelineBench.round((end.busy() - start.busy()) / 100.0, 2));
        }
        if (runnableSamples.length > 0) {
            long sum = 0;
            int max = 0;
            int over = 0;
            for (int r : runnableSamples) {
                sum += r;
                max = Math.max(max, r);
                if (r > cores) {
                    over++;
                }
            }
            m.put("runnable_mean", PipelineBench.round((double) sum / runnableSamples.length, 2));
            m.put("runnable_max", max);
            m.put("runnable_over_cores_share", PipelineBench.round((double) over / runnableSamples.length, 3));
            m.put("runnable_samples", runnableSamples.length);
        }
        Map<String, Object> cpu = new LinkedHashMap<>();
        Map<String, Object> perEvent = new LinkedHashMap<>();
        double named = 0;
        for (Map.Entry<String, Double> e : processCpuS.entrySet()) {
            cpu.put(e.getKey(), PipelineBench.round(e.getValue(), 2));
            if (Double.isFinite(e.getValue())) {
                named += e.getValue();
                if (events > 0) {
                    perEvent.put(e.getKey(), PipelineBench.round(e.getValue() * 1e6 / events, 1));
                }
            }
        }
        if (m.containsKey("busy_cpu_s")) {
            double rest = (double) m.get("busy_cpu_s") - named;
            cpu.put("rest_of_machine", PipelineBench.round(rest, 2));
            if (events > 0) {
                perEvent.put("rest_of_machine", PipelineBench.round(rest * 1e6 / events, 1));
                perEvent.put("machine", PipelineBench.round((double) m.get("busy_cpu_s") * 1e6 / events, 1));
            }
        }
        m.put("cpu_s", cpu);
        if (events > 0) {
            m.put("cpu_us_per_event", perEvent);
        }
        m.put("definition", "the whole machine over the window, from /proc/stat: shares of all cores' time (busy = user +"
                + " nice + system + irq + softirq; nice is the model's JVM when it runs at a nice level, and anything else"
                + " niced); runnable = procs_running sampled every " + SAMPLE_MS + " ms (threads running or waiting for a"
                + " core, the sampler included); cpu_s: the named processes' CPU seconds over the same window and the rest"
                + " of the machine's busy time; cpu_us_per_event: the same per event of the window");
        return m;
    }

    @Override
    public void close() {
        stopped = true;
        sampler.interrupt();
    }
}
