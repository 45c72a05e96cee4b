package dev.hyperrec.topology.tools;

import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;
import one.profiler.AsyncProfiler;
import one.profiler.Counter;

/**
 * {@link PipelineBench}'s {@code --profile-phases}: a CPU profile of every thread of this JVM taken with async-profiler
 * (Maven Central's {@code tools.profiler:async-profiler}, its native library extracted from the jar), summarised per
 * thread group and for the stream threads.
 *
 * <p>Why not JFR alone: JFR's sampler tries five threads a period for Java samples and one thread a period for native
 * ones, round robin over all the JVM's threads, and skips a thread that is not in the state it looks for. So a stream
 * thread's time in native code (the CUDA driver, RocksDB's JNI calls, the kernel) is counted about five times less
 * than its Java time at equal periods, and a thread's samples say nothing of its CPU time. async-profiler samples each
 * thread by its own CPU time ({@code cpu}: perf events, kernel frames included; {@code ctimer}: a per-thread CPU timer
 * where perf events are not allowed), Java and native frames alike, so a group's samples are its share of the CPU.
 *
 * <p>A class of its own so that the benchmark runs without the library's classes when the flag is not given.
 */
final class CpuProfile {
    /** Sampling interval: a sample per millisecond of a thread's CPU time. */
    static final long INTERVAL_NS = 1_000_000L;
    private static final int TOP = 30;

    private final AsyncProfiler profiler;
    private final String event;

    private CpuProfile(AsyncProfiler profiler, String event) {
        this.profiler = profiler;
        this.event = event;
    }

    /**
     * Starts sampling every thread's CPU time: perf events ({@code cpu}) where the kernel allows them, else a per-thread
     * CPU timer ({@code ctimer}).
     *
     * @throws IllegalStateException when neither starts (the library did not load, or this platform has no build)
     */
    static CpuProfile start() {
        AsyncProfiler p = AsyncProfiler.getInstance();
        IllegalStateException first = null;
        for (String event : List.of("cpu", "ctimer")) {
            try {
                p.execute("start,event=" + event + ",interval=" + INTERVAL_NS + ",threads,cstack=vm");
                return new CpuProfile(p, event);
            } catch (IOException | RuntimeException e) {
                IllegalStateException failed = new IllegalStateException("async-profiler event " + event + ": " + e.getMessage(), e);
                if (first == null) {
                    first = failed;
                } else {
                    first.addSuppressed(failed);
                }
            }
        }
        throw first;
    }

    /** The event the samples count ({@code cpu} or {@code ctimer}). */
    String event() {
        return event;
    }

    /**
     * Stops sampling and writes the profile next to the JSON: {@code <name>.collapsed.gz} (one line a distinct stack,
     * the thread first, then its count: the input of flame-graph tools) and {@code <name>.html} (async-profiler's flame
     * graph).
     *
     * @return the collapsed stacks, for {@link #summarise}
     */
    String stop(Path dir, String name) throws IOException {
        profiler.stop();
        String collapsed = profiler.dumpCollapsed(Counter.SAMPLES);
        Files.createDirectories(dir);
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(dir.resolve(name + ".collapsed.gz")));
             Writer w = new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8)) {
            w.write(collapsed);
        }
        try {
            profiler.execute("flamegraph,file=" + dir.resolve(name + ".html").toAbsolutePath());
        } catch (IOException | RuntimeException e) {
            // the collapsed stacks are the record; a missing flame graph is not worth failing the run for
            PipelineBench.log("async-profiler: no flame graph (%s)", e.getMessage());
        }
        return collapsed;
    }

    private static final Pattern UUID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final Pattern NUMBER = Pattern.compile("\\d+");

    /** A thread's group: its name without its id, UUIDs and numbers ({@code [name tid=N]} from async-profiler). */
    static String group(String thread) {
        return NUMBER.matcher(UUID.matcher(threadName(thread)).replaceAll("*")).replaceAll("#");
    }

    /** A thread's name without async-profiler's brackets and id. */
    static String threadName(String thread) {
        String name = thread.startsWith("[") && thread.endsWith("]") ? thread.substring(1, thread.length() - 1) : thread;
        int tid = name.lastIndexOf(" tid=");
        return tid >= 0 ? name.substring(0, tid) : name;
    }

    /**
     * Summarises collapsed stacks ({@code thread;frame;...;leaf count} per line, the root frame first): the samples of
     * every thread group, largest first; and for each named set of threads ({@code threads}: a label and a test of the
     * thread's name), its samples, the leaf frames that took most ({@code self_top}) and the frames most often on the
     * stack ({@code inclusive_top}, each counted once a sample); with {@code markers} (label to frame text, e.g.
     * {@code "org/rocksdb/"}; none: no {@code markers} entry), also the share of its samples with a frame on the stack that
     * contains each, in their order: what a part of the code costs wherever it is called from, which a list of the top
     * frames can miss.
     */
    static Map<String, Object> summarise(String collapsed, Map<String, Predicate<String>> threads, Map<String, String> markers) {
        long total = 0;
        Map<String, Long> groups = new HashMap<>();
        Map<String, Tally> sets = new LinkedHashMap<>();
        List<String> marks = List.copyOf(markers.values());
        threads.keySet().forEach(k -> sets.put(k, new Tally(marks)));
        for (String line : collapsed.split("\n")) {
            int space = line.lastIndexOf(' ');
            if (space <= 0) {
                continue;
            }
            long n;
            try {
                n = Long.parseLong(line.substring(space + 1).trim());
            } catch (NumberFormatException e) {
                continue;
            }
            String[] frames = line.substring(0, space).split(";");
            String thread = frames[0];
            total += n;
            groups.merge(group(thread), n, Long::sum);
            String name = threadName(thread);
            for (Map.Entry<String, Predicate<String>> t : threads.entrySet()) {
                if (t.getValue().test(name)) {
                    sets.get(t.getKey()).add(frames, n);
                }
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("samples", total);
        m.put("by_thread_group", top(groups, TOP, total));
        for (Map.Entry<String, Tally> s : sets.entrySet()) {
            Tally t = s.getValue();
            Map<String, Object> tm = new LinkedHashMap<>();
            tm.put("samples", t.samples);
            tm.put("share_of_all", total == 0 ? 0.0 : round((double) t.samples / total));
            tm.put("self_top", top(t.self, TOP, t.samples));
            tm.put("inclusive_top", top(t.inclusive, TOP, t.samples));
            if (!markers.isEmpty()) {
                Map<String, Object> mm = new LinkedHashMap<>();
                int i = 0;
                for (String label : markers.keySet()) {
                    mm.put(label, t.samples == 0 ? 0.0 : round((double) t.marked[i++] / t.samples));
                }
                tm.put("markers", mm);
            }
            m.put(s.getKey(), tm);
        }
        return m;
    }

    /** Samples of a set of threads by leaf frame, by frame on the stack and by marker. */
    private static final class Tally {
        long samples;
        final Map<String, Long> self = new HashMap<>();
        final Map<String, Long> inclusive = new HashMap<>();
        final List<String> markers;
        final long[] marked;

        Tally(List<String> markers) {
            this.markers = markers;
            this.marked = new long[markers.size()];
        }

        void add(String[] frames, long n) {
            samples += n;
            if (frames.length > 1) {
                self.merge(frames[frames.length - 1], n, Long::sum);
            }
            Set<String> seen = new HashSet<>();
            for (int i = 1; i < frames.length; i++) {
                if (seen.add(frames[i])) {
                    inclusive.merge(frames[i], n, Long::sum);
                }
            }
            for (int k = 0; k < marked.length; k++) {
                for (String f : seen) {
                    if (f.contains(markers.get(k))) {
                        marked[k] += n;
                        break;
                    }
                }
            }
        }
    }

    private static List<Map<String, Object>> top(Map<String, Long> counts, int limit, long of) {
        List<Map.Entry<String, Long>> sorted = new ArrayList<>(counts.entrySet());
        sorted.sort(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()));
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map.Entry<String, Long> e : sorted.subList(0, Math.min(limit, sorted.size()))) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("frame", e.getKey());
            row.put("samples", e.getValue());
            row.put("share", of == 0 ? 0.0 : round((double) e.getValue() / of));
            out.add(row);
        }
        return out;
    }

    private static double round(double v) {
        return Math.round(v * 10_000) / 10_000.0;
    }
}
