package dev.hyperrec.topology.internal;

/**
 * Paces the commits that timed flushes ask for ({@code hyperrec.batch.commit.on.timed.flush}), one gate per stream
 * thread: every task's processor on a thread runs on it, and a requested commit commits all of the thread's tasks in
 * one transaction, so the pacing is the thread's, not a task's.
 *
 * <p>A commit may be asked for once a timed flush owes one and the thread's last request is at least the request
 * interval ago ({@code hyperrec.batch.commit.request.interval.ms}, at least the flush interval), and at least a share
 * ({@code hyperrec.batch.commit.queue.share}, {@link #QUEUE_SHARE} by default) of the thread's <em>queue time</em>
 * ago: how long the event the thread accepted last had waited since its record's timestamp. So while the thread keeps
 * up (its events wait a few ms) it commits at the request interval, and the lists of a timed flush reach
 * read_committed consumers at once; under a backlog (events that waited seconds) requests stop, and the commits are
 * Kafka Streams' own, every {@code commit.interval.ms}, each of which blocks the thread (producer flush, end of the
 * transaction) for less of the events it carries. In between the spacing grows with the wait, so a commit never adds
 * more than about that share to the latency the events already have, and commits that cost the thread more than it has
 * make the events wait, which spaces the commits out. A thread that accepted nothing for a request interval is idle:
 * its queue time counts as zero, so the last lists of a backlog are committed as soon as it is drained. Record
 * timestamps far in the past (a replay that sets them from the events' own time) read as a backlog: commits stay at
 * {@code commit.interval.ms}.
 *
 * <p>Times are wall-clock epoch ms. Thread affinity: one stream thread.
 */
public final class CommitGate {
    /** The default share of the thread's queue time that a request waits after the last one. */
    public static final double QUEUE_SHARE = 0.5;

    private final double queueShare;

    private long requestedAtMs = Long.MIN_VALUE / 2;
    private boolean owed;
    private long acceptedAtMs = Long.MIN_VALUE / 2;
    private long queuedMs;
    private long requests;

    /** A gate whose requests wait {@link #QUEUE_SHARE} of the queue time. */
    public CommitGate() {
        this(QUEUE_SHARE);
    }

    /** A gate whose requests wait {@code queueShare} (at least 0) of the thread's queue time after the last one. */
    public CommitGate(double queueShare) {
        if (!(queueShare >= 0) || Double.isInfinite(queueShare)) {
            throw new IllegalArgumentException("queue share must be finite and >= 0, was " + queueShare);
        }
        this.queueShare = queueShare;
    }

    /**
     * A task of the thread accepted an event at {@code nowMs} whose record carries {@code recordTimestampMs}; the
     * difference (not below zero) is the thread's queue time until the next.
     */
    public void accepted(long nowMs, long recordTimestampMs) {
        acceptedAtMs = nowMs;
        queuedMs = Math.max(0, nowMs - recordTimestampMs);
    }

    /** A timed flush left lists that wait for a commit. */
    public void owe() {
        owed = true;
    }

    /**
     * Whether a commit is owed and may be asked for at {@code nowMs}, with requests at least {@code intervalMs} apart;
     * if so, records the request (no longer owed).
     */
    public boolean take(long nowMs, long intervalMs) {
        if (!owed || nowMs - requestedAtMs < spacingMs(nowMs, intervalMs)) {
            return false;
        }
        owed = false;
        requestedAtMs = nowMs;
        requests++;
        return true;
    }

    /** The spacing a request needs after the last one at {@code nowMs}. */
    long spacingMs(long nowMs, long intervalMs) {
        long queue = nowMs - acceptedAtMs >= intervalMs ? 0 : queuedMs;
        return Math.max(intervalMs, (long) Math.ceil(queueShare * queue));
    }

    /** Commits asked for so far. */
    public long requests() {
        return requests;
    }
}
