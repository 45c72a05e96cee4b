package dev.hyperrec.topology.rerank;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperrec.operators.AttentionWeights;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WeightsFileTest {

    @Test
    void hotSwapsANewVersionAtTheNextCheckAndKeepsTheOldOneOnABadFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("reranker.weights");
        long[] now = {0};
        WeightsFile w = new WeightsFile(file, 8, 3, 1000, () -> now[0]);
        assertThat(w.get()).isNull(); // no file: no weights
        AttentionWeights.identity("v1", 2, 8, 3).write(file);
        assertThat(w.get()).isNull(); // not checked again before the interval
        now[0] = 1000;
        assertThat(w.get().version()).isEqualTo("v1");
        AttentionWeights.identity("v2", 4, 8, 3).write(file);
        Files.setLastModifiedTime(file, FileTime.fromMillis(Files.getLastModifiedTime(file).toMillis() + 5000));
        now[0] = 1500;
        assertThat(w.get().version()).isEqualTo("v1");
        now[0] = 2000;
        assertThat(w.get().version()).isEqualTo("v2");
        assertThat(w.reloads()).isEqualTo(2);
        Files.writeString(file, "garbage");
        now[0] = 3000;
        assertThat(w.get().version()).isEqualTo("v2");
        AttentionWeights.identity("v3", 2, 16, 3).write(file); // another embedding width: refused
        Files.setLastModifiedTime(file, FileTime.fromMillis(Files.getLastModifiedTime(file).toMillis() + 10_000));
        now[0] = 4000;
        assertThat(w.get().version()).isEqualTo("v2");
    }
}
