package dev.hyperrec.topology.tools;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * RestoreBench end to end at a small size: it fills the tasks' stores, restores them on several
 * threads through the real processor (each task's first flush must emit a list, or the run fails),
 * and reports what it restored.
 */
class RestoreBenchTest {
    @Test
    void restoresEveryTasksUsersAndReportsTheRun(@TempDir Path dir) throws Exception {
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int exit;
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            exit = new CommandLine(new RestoreBench()).execute("--users", "3000", "--tasks", "3", "--threads", "2",
                    "--dim", "8", "--items", "50", "--runs", "2", "--work-dir", dir.resolve("stores").toString(),
                    "--out", dir.toString());
        } finally {
            System.setOut(out);
        }
        String stdout = captured.toString(StandardCharsets.UTF_8);
        assertThat(exit).as(stdout).isZero();
        assertThat(stdout).containsPattern("restore: users=3000 tasks=3 threads=2 dim=8 backend=cpu open_s=\\S+ restore_s=\\S+"
                + " first_flush_s=\\S+ total_s=\\S+");
        String json = Files.readString(dir.resolve("restore-cpu.json"));
        assertThat(json).contains("\"users\": 3000", "\"tasks\": 3", "\"threads\": 2", "\"runs\": [");
        // three task directories, each with its own RocksDB stores
        try (var tasks = Files.list(dir.resolve("stores"))) {
            assertThat(tasks.filter(p -> p.getFileName().toString().startsWith("task-1_")).count()).isEqualTo(3);
        }
    }
}
