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
        for (String wait : new String[] {"jdk.ThreadPark", "jdk.JavaMonitorEnter", "jdk.JavaMonitorWait"}) {
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

    /**
     * The stream threads' samples of a JFR recording: how many were in Java and in native code, the
     * methods on top of the stack ("self") and the methods anywhere on it ("inclusive"), each the 25
     * most frequent with their share of the samples.
     */
    static Map<String, Object> profile(Path jfrFile, String applicationId) throws IOException {
        Map<String, Integer> self = new HashMap<>();
        Map<String, Integer> inclusive = new HashMap<>();
        int java = 0;
        int nativeSamples = 0;
        try (RecordingFile f = new RecordingFile(jfrFile)) {
            while (f.hasMoreEvents()) {
                RecordedEvent e = f.readEvent();
                String type = e.getEventType().getName();
                boolean isJava = type.equals("jdk.ExecutionSample");
                if (!isJava && !type.equals("jdk.NativeMethodSample")) {
                    continue;
                }
                RecordedThread t = e.getThread("sampledThread");
                String name = t == null ? null : t.getJavaName();
                if (name == null || !name.startsWith(applicationId) || !name.contains("-StreamThread-")) {
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
        return p;
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
