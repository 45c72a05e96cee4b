package dev.hyperrec.topology.rerank;

import dev.hyperrec.topology.engine.PendingEvent;
import java.util.Arrays;

/**
 * The attention reranker's context features of a list's triggering event, {@value #WIDTH} floats:
 * hour-of-day bucket (6 one-hot buckets of 4 hours, UTC: events carry no time zone), day of week
 * (7 one-hot, UTC), session length ({@code log1p} of the user's interactions in the current session,
 * a session ending after a gap of more than {@value #SESSION_GAP_MS} ms of event time), device class
 * (4 one-hot: mobile, desktop, tv, other) and social setting (2 one-hot: solo, group), both from the
 * event's context segment. An unknown device or social setting is all zeros, the neutral value; in
 * MovieLens both are always unknown. Sessions are tracked per user from the interactions observed,
 * in event order. Not thread-safe.
 */
public final class ContextFeatures {
    public static final int WIDTH = 6 + 7 + 1 + 4 + 2;
    static final long SESSION_GAP_MS = 30 * 60 * 1000L;
    private static final long DAY_MS = 86_400_000L;

    private long[] lastEvent = new long[0];
    private int[] sessionLength = new int[0];

    /** Records an interaction of {@code user} at {@code timeMs}. */
    public void observe(int user, long timeMs) {
        ensure(user);
        if (sessionLength[user] == 0 || timeMs - lastEvent[user] > SESSION_GAP_MS) {
            sessionLength[user] = 0;
        }
        sessionLength[user]++;
        lastEvent[user] = Math.max(lastEvent[user], timeMs);
    }

    private void ensure(int user) {
        if (user >= lastEvent.length) {
            int cap = Math.max(user + 1, 2 * lastEvent.length);
            lastEvent = Arrays.copyOf(lastEvent, cap);
            sessionLength = Arrays.copyOf(sessionLength, cap);
        }
    }

    /** Interactions of {@code user} in the session open at {@code timeMs} (0 when none is open). */
    public int sessionLength(int user, long timeMs) {
        if (user >= lastEvent.length || sessionLength[user] == 0 || timeMs - lastEvent[user] > SESSION_GAP_MS) {
            return 0;
        }
        return sessionLength[user];
    }

    /** Writes the features of {@code event} by {@code user} to {@code out[0, WIDTH)}. */
    public void features(PendingEvent event, int user, float[] out) {
        Arrays.fill(out, 0, WIDTH, 0f);
        long t = event.eventTimeMs();
        long dayMs = Math.floorMod(t, DAY_MS);
        out[(int) (dayMs / (4 * 3_600_000L))] = 1f;
        long days = Math.floorDiv(t, DAY_MS);
        out[6 + (int) Math.floorMod(days + 3, 7L)] = 1f; // 1970-01-01 was a Thursday: index 0 = Monday
        out[13] = (float) Math.log1p(sessionLength(user, t));
        int device = event.segment() / 3;
        int social = event.segment() % 3;
        if (device > 0) {
            out[14 + device - 1] = 1f;
        }
        if (social > 0) {
            out[18 + social - 1] = 1f;
        }
    }
}
