package dev.hyperrec.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every hyperrec configuration key with a default is documented in docs/operations.md: written out in backquotes, or as
 * {@code `.last`} on a line that names a sibling key of the same prefix (the tables' {@code `a.b.c` / `.d`} rows).
 */
class OperationsDocTest {
    private static final Path ROOT = Path.of(System.getProperty("hyperrec.repo.root", "..")).toAbsolutePath().normalize();

    @Test
    void everyConfigKeyIsInOperationsMd() throws IOException {
        List<String> lines = Files.readAllLines(ROOT.resolve("docs/operations.md"));
        List<String> missing = new ArrayList<>();
        for (String key : HyperrecConfig.defaults().keySet()) {
            if (!documented(key, lines)) {
                missing.add(key);
            }
        }
        assertThat(HyperrecConfig.defaults()).hasSizeGreaterThan(50);
        assertThat(missing).as("keys with a default that docs/operations.md does not name").isEmpty();
    }

    @Test
    void aKeyNamedNowhereIsFoundMissing() {
        List<String> lines = List.of("| `hyperrec.weight.view` / `.click` | 0.1 / 0.5 |", "| `hyperrec.other` | 1 |");
        assertThat(documented("hyperrec.weight.click", lines)).isTrue();
        assertThat(documented("hyperrec.weight.view", lines)).isTrue();
        assertThat(documented("hyperrec.weight.skip", lines)).isFalse();
        assertThat(documented("hyperrec.rank.weight.click", lines)).as("`.click` under another prefix").isFalse();
    }

    static boolean documented(String key, List<String> lines) {
        int dot = key.lastIndexOf('.');
        String prefix = key.substring(0, dot + 1);
        String last = key.substring(dot);
        for (String line : lines) {
            if (line.contains("`" + key + "`") || (line.contains("`" + last + "`") && line.contains("`" + prefix))) {
                return true;
            }
        }
        return false;
    }
}
