package dev.hyperrec.topology.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hyperrec.avro.InteractionEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoDataTest {

    @Test
    void syntheticStreamIsSeededAndPlantsClusters() {
        DemoData a = SyntheticData.generate(50, 80, 2000, 4, 16, 0.9, 3, "t");
        DemoData b = SyntheticData.generate(50, 80, 2000, 4, 16, 0.9, 3, "t");
        assertThat(a.events()).isEqualTo(b.events());
        assertThat(a.catalog()).hasSize(80);
        assertThat(new HashSet<>(a.events().stream().map(InteractionEvent::getUserId).toList())).hasSize(50);
        long inCluster = a.events().stream()
                .filter(e -> a.clusterOf().get(e.getItemId()).equals(a.userCluster().get(e.getUserId()))).count();
        assertThat(inCluster / 2000.0).isBetween(0.85, 0.97);
        for (int i = 1; i < a.events().size(); i++) {
            assertThat(a.events().get(i).getTimestamp()).isAfter(a.events().get(i - 1).getTimestamp());
        }
    }

    @Test
    void readsRatingsCsvAndUDataInTimeOrderWithTiesInFileOrder(@TempDir Path dir) throws IOException {
        Path csv = dir.resolve("ratings.csv");
        Files.writeString(csv, "userId,movieId,rating,timestamp\n1,10,4.0,300\n2,20,3.5,100\n1,30,5.0,100\n");
        List<MovieLens.Rating> r = MovieLens.read(csv);
        assertThat(r).extracting(MovieLens.Rating::itemId).containsExactly("m20", "m30", "m10");
        assertThat(r.get(0).timestampMs()).isEqualTo(100_000L);
        Path udata = dir.resolve("u.data");
        Files.writeString(udata, "196\t242\t3\t881250949\n186\t302\t3\t891717742\n");
        assertThat(MovieLens.read(udata)).extracting(MovieLens.Rating::userId).containsExactly("u196", "u186");
        Path bad = dir.resolve("bad.csv");
        Files.writeString(bad, "userId,movieId,rating,timestamp\n1,2,x,4\n");
        assertThatThrownBy(() -> MovieLens.read(bad)).hasMessageContaining("line 2");
    }

    @Test
    void itemEmbeddingsComeOnlyFromTheTrainingPrefix(@TempDir Path dir) throws IOException {
        StringBuilder b = new StringBuilder("userId,movieId,rating,timestamp\n");
        for (int i = 0; i < 100; i++) {
            b.append(i % 7).append(',').append(i < 50 ? i % 5 : 100 + i).append(",4.0,").append(i).append('\n');
        }
        Path csv = dir.resolve("ratings.csv");
        Files.writeString(csv, b.toString());
        DemoData d = MovieLens.load(csv, 8, 0.5, 1, "t");
        assertThat(d.events()).hasSize(100);
        // items first seen after the training prefix get the small cold-start vector (norm 0.1)
        var late = d.catalog().stream().filter(c -> c.getItemId().equals("m199")).findFirst().orElseThrow();
        double norm = Math.sqrt(late.getEmbedding().stream().mapToDouble(f -> f * f).sum());
        assertThat(norm).isCloseTo(0.1, org.assertj.core.data.Offset.offset(1e-4));
        var early = d.catalog().stream().filter(c -> c.getItemId().equals("m1")).findFirst().orElseThrow();
        double n1 = Math.sqrt(early.getEmbedding().stream().mapToDouble(f -> f * f).sum());
        assertThat(n1).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
    }
}
