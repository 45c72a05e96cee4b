package dev.hyperrec.topology.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperrec.topology.StoreNames;
import dev.hyperrec.topology.tools.Chaos;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The crash harness ({@link Chaos}, {@code scripts/chaos.sh}) at a size CI can afford: the app in its own JVM against
 * a broker in its own JVM is SIGKILLed twice while it works through 10,000 events and restarted each time, with static
 * group membership ({@code group.instance.id}) so that each restart resumes at once. Every task
 * store of the interrupted run (read back from its changelog, read_committed) equals an uninterrupted run's, the
 * bandit's state equals what each run's published lists imply, and a read_committed reader sees every triggering
 * event's list exactly once. The full-size run (200,000 events, 10 kills) stays a manual harness
 * (docs/operations.md, "Harnesses").
 */
@ExtendWith(KafkaInfra.class)
class ChaosIT {

    @Test
    void twoSigkillsLeaveTheStateAndTheListsOfAnUninterruptedRun(KafkaInfra.Infra infra, @TempDir Path dir) throws Exception {
        Chaos chaos = new Chaos();
        new CommandLine(chaos).parseArgs("--events", "10000", "--users", "2000", "--items", "1000", "--kills", "2",
                "--no-progress", "--schema-registry-url", infra.registryUrl(), "--work-dir", dir.toString(),
                // static membership, as docs/operations.md recommends: the restarted app takes its partitions back at
                // once instead of waiting for the killed member's session to time out (45 s)
                "--set", "group.instance.id=chaos-it");

        Chaos.Result r = chaos.run();

        assertThat(r.kills()).isEqualTo(2);
        assertThat(r.events()).isEqualTo(10_000);
        // the comparisons are not of empty stores: the users' state, the bandit and the model's counts were compared
        assertThat(r.storeEntries()).containsKeys(StoreNames.USER_VECTORS, StoreNames.SEEN_SETS, StoreNames.BANDIT,
                StoreNames.SKETCH_COUNTERS, StoreNames.COOCCURRENCE_WINDOWS, StoreNames.COOCCURRENCE_COUNTS);
        assertThat(r.storeEntries().get(StoreNames.USER_VECTORS)).isGreaterThan(1_000);
        assertThat(r.storeEntries().get(StoreNames.BANDIT)).isGreaterThan(1_000);
        assertThat(r.storeEntries().get(StoreNames.COOCCURRENCE_COUNTS)).isPositive();
        assertThat(r.mismatches()).as("store entries that differ from the uninterrupted run").isZero();
        assertThat(r.duplicates()).as("lists seen twice").isZero();
        assertThat(r.missing()).as("triggering events without their list").isZero();
        assertThat(r.foreign()).as("lists of no triggering event").isZero();
        assertThat(r.lists()).isEqualTo(r.triggering());
        assertThat(r.passed(2)).isTrue();
    }
}
