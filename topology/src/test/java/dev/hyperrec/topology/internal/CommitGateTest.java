package dev.hyperrec.topology.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** The per-thread pacing of the commits that timed flushes ask for. */
class CommitGateTest {

    @Test
    void nothingIsAskedForUntilATimedFlushOwesACommit() {
        CommitGate gate = new CommitGate();
        assertThat(gate.take(1_000, 20)).isFalse();
        gate.owe();
        assertThat(gate.take(1_000, 20)).isTrue();
        assertThat(gate.take(5_000, 20)).as("asked for once").isFalse();
    }

    @Test
    void requestsAreAnIntervalApartWhileCommitsAreCheapAndAnOwedOneWaitsForTheNextCheck() {
        CommitGate gate = new CommitGate();
        gate.owe();
        assertThat(gate.take(1_000, 20)).isTrue();
        gate.observe(1_002); // the commit and the next run took 2 ms
        assertThat(gate.costMs()).isEqualTo(2.0);
        gate.owe();
        assertThat(gate.take(1_019, 20)).as("19 ms after the last request").isFalse();
        assertThat(gate.take(1_020, 20)).as("an interval after it, still owed").isTrue();
    }

    @Test
    void expensiveCommitsAreSpacedByFourTimesTheirCost() {
        CommitGate gate = new CommitGate();
        gate.owe();
        assertThat(gate.take(0, 20)).isTrue();
        gate.observe(30); // a 30 ms commit: requests at least 120 ms apart
        gate.owe();
        assertThat(gate.take(100, 20)).isFalse();
        assertThat(gate.take(119, 20)).isFalse();
        assertThat(gate.take(120, 20)).isTrue();
        gate.observe(125); // 5 ms: the mean moves a fifth of the way, 30 * 0.8 + 5 * 0.2 = 25
        assertThat(gate.costMs()).isCloseTo(25.0, Offset.offset(1e-9));
        gate.owe();
        assertThat(gate.take(219, 20)).isFalse();
        assertThat(gate.take(220, 20)).isTrue();
    }

    @Test
    void onlyTheFirstRunAfterARequestMeasuresIt() {
        CommitGate gate = new CommitGate();
        gate.observe(50); // no request yet: nothing to measure
        assertThat(gate.costMs()).isEqualTo(-1.0);
        gate.owe();
        assertThat(gate.take(100, 10)).isTrue();
        gate.observe(103);
        gate.observe(400); // later runs are not commits
        assertThat(gate.costMs()).isEqualTo(3.0);
        gate.owe();
        assertThat(gate.take(105, 10)).isFalse();
        gate.observe(500);
        assertThat(gate.costMs()).as("a refused request measures nothing").isEqualTo(3.0);
    }
}
