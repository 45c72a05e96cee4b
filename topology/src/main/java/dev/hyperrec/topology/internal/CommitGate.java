package dev.hyperrec.topology.internal;

/**
 * Paces the commits that timed flushes ask for ({@code hyperrec.batch.commit.on.timed.flush}), one gate per stream
 * thread: every task's processor on a thread runs on it, and a requested commit commits all of the thread's tasks in
 * one transaction, so the pacing is the thread's, not a task's. A commit may be asked for when at least the flush
 * interval has passed since the thread's last request, and at least {@value #SPACING_PER_COST} times the cost of a
 * commit: that keeps requested commits under about a quarter of the thread's time when they are expensive (a loaded
 * broker, many changelog partitions) and lets them follow every timed flush when they are cheap.
 *
 * <p>The cost is measured without access to the commit itself: from the request (the end of a timed flush) to the
 * next time a processor of the thread runs ({@link #observe}), Kafka Streams commits, so that gap is the commit plus at
 * most a poll period and the other tasks' punctuations: an upper bound. An exponentially weighted mean of the gaps
 * (weight {@value #WEIGHT} for the newest) is the cost. Times are the processor context's wall clock, which Kafka
 * Streams advances around each commit. Thread affinity: one stream thread.
 */
public final class CommitGate {
    /** Requests are at least this many commit costs apart. */
    static final int SPACING_PER_COST = 4;
    static final double WEIGHT = 0.2;

    private long requestedAtMs = Long.MIN_VALUE / 2;
    private boolean outstanding;
    private boolean owed;
    private double costMs = -1;

    /** A processor of the thread runs at {@code nowMs}: closes the gap after an outstanding request. */
    public void observe(long nowMs) {
        if (outstanding) {
            outstanding = false;
            double gap = Math.max(0, nowMs - requestedAtMs);
            costMs = costMs < 0 ? gap : (1 - WEIGHT) * costMs + WEIGHT * gap;
        }
    }

    /** A timed flush left lists that wait for a commit. */
    public void owe() {
        owed = true;
    }

    /** Whether a commit is owed and may be asked for at {@code nowMs}; if so, records the request (no longer owed). */
    public boolean take(long nowMs, long intervalMs) {
        double spacing = Math.max(intervalMs, SPACING_PER_COST * Math.max(0, costMs));
        if (!owed || nowMs - requestedAtMs < spacing) {
            return false;
        }
        owed = false;
        requestedAtMs = nowMs;
        outstanding = true;
        return true;
    }

    /** The measured cost of a commit in ms (an upper bound), or -1 before the first. */
    public double costMs() {
        return costMs;
    }
}
