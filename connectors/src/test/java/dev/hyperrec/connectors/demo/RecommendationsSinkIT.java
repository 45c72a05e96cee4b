package dev.hyperrec.connectors.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.hyperrec.avro.Recommendations;
import dev.hyperrec.avro.RecommendedItem;
import dev.hyperrec.connectors.RecommendationsTable;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The Connect path on real components (in-JVM KRaft broker, Apicurio, PostgreSQL from initdb/pg_ctl,
 * Kafka Connect standalone with Debezium's JDBC sink and the plugins the build packaged): the pipeline
 * runs, and every user's latest list must be that user's row, through both the Avro converter and the
 * JsonConverter alternative, within the demo's sink timeout after the run.
 */
class RecommendationsSinkIT {
    private static final Pattern LINE = Pattern.compile(
            "^connect: users=(\\d+) rows=(\\d+) users_in_table=(\\d+) max_lag_s=([0-9.]+)$");
    /** The bound: after the last event, every latest list reaches the table within this. */
    private static final String SINK_BOUND = "PT60S";

    @Test
    void everyUsersLatestListReachesTheTableThroughBothConverters() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        ConnectDemo demo = new ConnectDemo();
        demo.out = new PrintStream(buf, true, StandardCharsets.UTF_8);
        int rc = new CommandLine(demo).execute("--users", "80", "--items", "200", "--events", "2000", "--rate", "0",
                "--partitions", "2", "--backend", "cpu", "--json", "--sink-timeout", SINK_BOUND, "--no-progress");
        String printed = buf.toString(StandardCharsets.UTF_8);
        assertThat(rc).as(printed).isZero();

        String[] lines = printed.strip().split("\n");
        Matcher m = LINE.matcher(lines[lines.length - 1]);
        assertThat(m.matches()).as("last line: %s", lines[lines.length - 1]).isTrue();
        assertThat(m.group(1)).isEqualTo("80");
        assertThat(m.group(2)).isEqualTo("80");
        assertThat(m.group(3)).isEqualTo("80");

        ConnectDemo.Result result = demo.lastResult;
        Map<String, Recommendations> latest = result.latest();
        assertThat(latest).hasSize(80);
        for (ConnectDemo.SinkOutcome sink : List.of(result.avro(), result.json())) {
            assertThat(sink.usersInTable()).as(sink.table()).isEqualTo(80);
            assertThat(sink.snapshot().keySet()).as(sink.table()).isEqualTo(latest.keySet());
            latest.forEach((user, recs) -> {
                RecommendationsTable.Row row = sink.snapshot().get(user);
                List<RecommendedItem> items = recs.getItems().stream()
                        .sorted(Comparator.comparingInt(RecommendedItem::getRank)).toList();
                assertThat(row.recommendationId()).as("%s %s", sink.table(), user).isEqualTo(recs.getRecommendationId());
                assertThat(row.itemIds()).as("%s %s", sink.table(), user)
                        .isEqualTo(items.stream().map(RecommendedItem::getItemId).toList());
                assertThat(row.reasons()).isEqualTo(items.stream().map(i -> i.getReason().name()).toList());
                for (int i = 0; i < items.size(); i++) {
                    assertThat(row.scores().get(i)).isCloseTo(items.get(i).getScore(), within(0f));
                }
                assertThat(row.generatedAt()).isEqualTo(recs.getGeneratedAt());
                // written after it was computed (one host, one clock), and within the bound
                assertThat(row.lagSeconds()).isBetween(0.0, 60.0);
            });
            // the per-rank view: one row per rank, 1..k, the same items in the same order
            List<Map<String, Object>> ranks = sink.sampleRanks();
            String user = (String) ranks.get(0).get("user_id");
            assertThat(ranks).extracting(r -> r.get("rank")).isEqualTo(
                    java.util.stream.IntStream.rangeClosed(1, ranks.size()).boxed().toList());
            assertThat(ranks).extracting(r -> r.get("item_id")).isEqualTo(List.copyOf(sink.snapshot().get(user).itemIds()));
        }
        assertThat(printed).contains("connector " + ConnectDemo.AVRO_CONNECTOR + " RUNNING")
                .contains("connector " + ConnectDemo.JSON_CONNECTOR + " RUNNING");
    }
}
