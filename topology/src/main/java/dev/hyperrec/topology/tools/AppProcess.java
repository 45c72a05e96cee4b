package dev.hyperrec.topology.tools;

import dev.hyperrec.topology.HyperrecConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/** The app in its own JVM ({@link dev.hyperrec.topology.HyperrecApp} with a properties file). */
final class AppProcess {
    private final Process process;

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    private AppProcess(Process process) {
        this.process = process;
    }

    static AppProcess start(HyperrecConfig config, Path dir) {
        try {
            return launch(config, dir);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static AppProcess launch(HyperrecConfig config, Path dir) throws IOException {
        Files.createDirectories(dir);
        Path props = dir.resolve("app.properties");
        Properties p = new Properties();
        config.asMap().forEach(p::setProperty);
        // the endpoint still runs, on a free port: harness apps (and apps of parallel runs) must not collide on 9464
        p.setProperty(HyperrecConfig.METRICS_PORT, "0");
        try (var w = Files.newBufferedWriter(props)) {
            p.store(w, "hyperrec chaos harness");
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx1g");
        if (Runtime.version().feature() >= 24) {
            cmd.add("--enable-native-access=ALL-UNNAMED");
            cmd.add("--sun-misc-unsafe-memory-access=allow");
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.hyperrec.topology.HyperrecApp",
                props.toString()));
        Process proc = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("app.log").toFile())).start();
        // a harness that is itself terminated must not leave an app behind
        Runtime.getRuntime().addShutdownHook(new Thread(proc::destroyForcibly, "app-process-reaper"));
        return new AppProcess(proc);
    }

    void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }
}
