package dev.hyperrec.topology.tools;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * {@link PipelineBench}'s {@code --jfr} profile of the app's stream threads. A class of its own so that
 * the benchmark runs on a runtime without the {@code jdk.jfr} module (the GPU machine's jlinked JRE)
 * when {@code --jfr} is not given.
 */
final class JfrProfile {
    private final Recording recording;
    private final Path file;

    private JfrProfile(Recording recording, Path file) {
        this.recording = recording;
        this.file = file;
    }

    /**
     * Starts recording the JVM's Java and native samples every 10 ms into {@code destination}, and every wait of a
     * thread of at least a millisecond (parked, on a monitor, in {@code Object.wait}) with its stack: a thread that
     * waits is in neither kind of sample, so only these show where a stream thread spends the time it is not running.
     */
    static JfrProfile start(Path destination) throws IOException {
        Recording r = new Recording();
        r.setDestination(destination);
        r.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(10));
        r.enable("jdk.NativeMethodSample").withPeriod(Duration.ofMillis(10));
        for (String wait : WAITS) {
            r.enable(wait).withThreshold(Duration.ofMillis(1)).withStackTrace();
        }
        r.setToDisk(true);
        r.start();
        return new JfrProfile(r, destination);
    }

    /** Stops the recording (written to its file) and summarises the stream threads' samples, see {@link #profile}. */
    Map<String, Object> stopAndSummarise(String applicationId) throws IOException {
        recording.stop();
        recording.close();
        return profile(file, applicationId);
    }

    /** The wait events {@link #start} records; {@link #profile} sums them per site. */
    private static final Set<String> WAITS = Set.of("jdk.ThreadPark", "jdk.JavaMonitorEnter", "jdk.JavaMonitorWait");

    /** Waits of the stream threads at one site: how many, their sum and longest, and how many took 20 and 50 ms or more. */
    private static final class Waits {
        long count;
        long totalNs;
        long maxNs;
        long over20;
        long over50;

        void add(long ns) {
            count++;
            totalNs += ns;
            maxNs = Math.max(maxNs, ns);
            over20 += ns >= 20_000_000L ? 1 : 0;
            over50 += ns >= 50_000_000L ? 1 : 0;
        }
    }

    private static boolean streamThread(RecordedThread t, String applicationId) {
        String name = t == null ? null : t.getJavaName();
        return name != null && PipelineBench.isStreamThreadOf(name, applicationId);
    }

    /**
     * The stream threads' samples of a JFR recording: how many were in Java and in native code, the
     * methods on top of the stack ("self") and the methods anywhere on it ("inclusive"), each the 25
     * most frequent with their share of the samples; the 40 lines of hyperrec's code most often the innermost
     * of its frames ({@link #ownLine}); and their waits of a millisecond or more by site
     * ({@link #waitSite}), the 15 sites with the most time waited.
     */
    static Map<String, Object> profile(Path jfrFile, String applicationId) throws IOException {
        Map<String, Integer> self = new HashMap<>();
        Map<String, Integer> inclusive = new HashMap<>();
        Map<String, Integer> ownLines = new HashMap<>();
        Map<String, Waits> waits = new HashMap<>();
        int java = 0;
        int nativeSamples = 0;
        try (RecordingFile f = new RecordingFile(jfrFile)) {
            while (f.hasMoreEvents()) {
                RecordedEvent e = f.readEvent();
                String type = e.getEventType().getName();
                if (WAITS.contains(type)) {
                    RecordedStackTrace st = e.getStackTrace();
                    if (streamThread(e.getThread(), applicationId) && st != null) {
                        waits.computeIfAbsent(waitSite(st.getFrames()), k -> new Waits()).add(e.getDuration().toNanos());
                    }
                    continue;
                }
                boolean isJava = type.equals("jdk.ExecutionSample");
                if (!isJava && !type.equals("jdk.NativeMethodSample")) {
                    continue;
                }
                if (!streamThread(e.getThread("sampledThread"), applicationId)) {
                    continue;
                }
                RecordedStackTrace st = e.getStackTrace();
                if (st == null || st.getFrames().isEmpty()) {
                    continue;
                }
                if (isJava) {
                    java++;
                } else {
                    nativeSamples++;
                }
                List<RecordedFrame> frames = st.getFrames();
                self.merge(frameName(frames.get(0)), 1, Integer::sum);
                String line = ownLine(frames);
                if (line != null) {
                    ownLines.merge(line, 1, Integer::sum);
                }
                Set<String> seen = new HashSet<>();
                for (RecordedFrame fr : frames) {
                    String n = frameName(fr);
                    if (seen.add(n)) {
                        inclusive.merge(n, 1, Integer::sum);
                    }
                }
            }
        }
        int total = java + nativeSamples;
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("thread", applicationId + "-…-StreamThread-*");
        p.put("samples_java", java);
        p.put("samples_native", nativeSamples);
        p.put("self_top", top(self, total, 25));
        p.put("inclusive_top", top(inclusive, total, 25));
        p.put("own_lines_definition", "per sample, the innermost hyperrec frame and its line: where in hyperrec's code the"
                + " time goes, with the time of the JDK, Kafka or Avro code it calls there counted at the calling line");
        p.put("own_lines_top", top(ownLines, total, 40));
        p.put("waits_definition", "the stream threads' waits of >= 1 ms (parked, entering a monitor, Object.wait) by site: the"
                + " innermost Kafka Streams or hyperrec frame < the innermost frame outside the JDK; total_ms summed over"
                + " threads, so it can exceed the wall time");
        p.put("waits_top", waitsTop(waits, 15));
        return p;
    }

    /** The innermost frame of hyperrec's own code as {@code class.method:line}, or null when none is on the stack. */
    static String ownLine(List<RecordedFrame> frames) {
        for (RecordedFrame f : frames) {
            if (f.getMethod().getType().getName().startsWith("dev.hyperrec.")) {
                return frameName(f) + ":" + f.getLineNumber();
            }
        }
        return null;
    }

    /**
     * Where a wait happened: the innermost frame of Kafka Streams or hyperrec (what the thread was doing) and the innermost
     * frame outside the JDK (what it waited on, e.g. {@code ProduceRequestResult.await}), as simple class names.
     */
    static String waitSite(List<RecordedFrame> frames) {
        String waiter = null;
        String caller = null;
        for (RecordedFrame f : frames) {
            String type = f.getMethod().getType().getName();
            if (waiter == null && !(type.startsWith("java.") || type.startsWith("jdk.") || type.startsWith("sun."))) {
                waiter = simpleName(f);
            }
            if (type.startsWith("org.apache.kafka.streams.") || type.startsWith("dev.hyperrec.")) {
                caller = simpleName(f);
                break;
            }
        }
        if (caller == null) {
            return waiter == null ? simpleName(frames.get(0)) : waiter;
        }
        return waiter == null || waiter.equals(caller) ? caller : caller + " < " + waiter;
    }

    private static String simpleName(RecordedFrame f) {
        String type = f.getMethod().getType().getName();
        return type.substring(type.lastIndexOf('.') + 1) + "." + f.getMethod().getName();
    }

    private static List<Object> waitsTop(Map<String, Waits> waits, int n) {
        List<Object> out = new ArrayList<>();
        waits.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue().totalNs, a.getValue().totalNs)).limit(n)
                .forEach(e -> {
                    Waits w = e.getValue();
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("site", e.getKey());
                    m.put("count", w.count);
                    m.put("total_ms", PipelineBench.round(w.totalNs / 1e6, 1));
                    m.put("max_ms", PipelineBench.round(w.maxNs / 1e6, 1));
                    m.put("over_20ms", w.over20);
                    m.put("over_50ms", w.over50);
                    out.add(m);
                });
        return out;
    }

    private static String frameName(RecordedFrame f) {
        return f.getMethod().getType().getName() + "." + f.getMethod().getName();
    }

    private static List<Object> top(Map<String, Integer> counts, int total, int n) {
        List<Object> out = new ArrayList<>();
        counts.entrySet().stream().sorted((a, b) -> Integer.compare(b.getValue(), a.getValue())).limit(n).forEach(e -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("method", e.getKey());
            m.put("samples", e.getValue());
            m.put("share", PipelineBench.round(e.getValue() / (double) Math.max(1, total), 4));
            out.add(m);
        });
        return out;
    }

}
