package dev.hyperrec.topology.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
        assertThat(gate.requests()).isEqualTo(1);
    }

    @Test
    void whileTheThreadKeepsUpRequestsAreAnIntervalApartAndAnOwedOneWaitsForTheNextCheck() {
        CommitGate gate = new CommitGate();
        gate.accepted(1_000, 997); // waited 3 ms: half of it is below the interval
        gate.owe();
        assertThat(gate.take(1_000, 20)).isTrue();
        gate.accepted(1_010, 1_004);
        gate.owe();
        assertThat(gate.take(1_019, 20)).as("19 ms after the last request").isFalse();
        assertThat(gate.take(1_020, 20)).as("an interval after it, still owed").isTrue();
        assertThat(gate.requests()).isEqualTo(2);
    }

    @Test
    void requestsWaitHalfTheThreadsQueueTimeSoABacklogLeavesCommitsToTheInterval() {
        CommitGate gate = new CommitGate();
        gate.owe();
        assertThat(gate.take(0, 20)).isTrue();
        gate.accepted(100, -140); // the latest event waited 240 ms: requests 120 ms apart
        gate.owe();
        assertThat(gate.spacingMs(110, 20)).isEqualTo(120);
        assertThat(gate.take(110, 20)).isFalse();
        assertThat(gate.take(119, 20)).as("still within an interval of the last accept, so not idle").isFalse();
        gate.accepted(119, -5_000); // a backlog: events that waited 5 s
        assertThat(gate.take(130, 20)).as("2.5 s apart now, past Streams' own commit interval").isFalse();
        assertThat(gate.take(138, 20)).isFalse();
        gate.accepted(138, 137); // caught up: 1 ms
        assertThat(gate.take(139, 20)).as("the wait is short again and the last request was long ago").isTrue();
    }

    @Test
    void aThreadThatAcceptedNothingForAnIntervalIsIdleSoTheBacklogsLastListsAreCommittedAtOnce() {
        CommitGate gate = new CommitGate();
        gate.owe();
        assertThat(gate.take(0, 20)).isTrue();
        gate.accepted(1_000, -9_000); // the last event of a drain, 10 s late
        gate.owe();
        assertThat(gate.take(1_019, 20)).as("19 ms after the last accept: still the backlog's wait").isFalse();
        assertThat(gate.take(1_020, 20)).as("an interval with nothing accepted: idle").isTrue();
    }

    @Test
    void theQueueShareSetsHowFarApartABusyThreadsRequestsAre() {
        CommitGate twice = new CommitGate(2.0);
        twice.accepted(1_000, 960); // 40 ms
        assertThat(twice.spacingMs(1_001, 20)).isEqualTo(80);
        CommitGate none = new CommitGate(0);
        none.accepted(1_000, -9_000);
        assertThat(none.spacingMs(1_001, 20)).as("share 0: the interval alone").isEqualTo(20);
        assertThatThrownBy(() -> new CommitGate(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new CommitGate(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void timestampsAheadOfTheClockCountAsNoWait() {
        CommitGate gate = new CommitGate();
        gate.accepted(1_000, 60_000);
        assertThat(gate.spacingMs(1_001, 20)).isEqualTo(20);
    }
}
