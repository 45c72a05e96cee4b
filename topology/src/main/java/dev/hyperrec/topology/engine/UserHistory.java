package dev.hyperrec.topology.engine;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A user's seen item keys (excluded from their lists; the oldest are evicted past a cap) and their
 * most recent positive items (the "similar to what you just did" seeds), newest first.
 */
public final class UserHistory {
    private static final byte VERSION = 1;
    private long[] seen;
    private int seenSize;
    private long[] recent;
    private int recentSize;
    /** Changes of the seen set since this object was made (not stored): one per {@link #addSeen} that changed it. */
    private long seenVersion;
    /** The key the last change added, and the one it evicted ({@link #lastEvicted} is valid when {@link #lastEvictedAny}). */
    private long lastAdded;
    private long lastEvicted;
    private boolean lastEvictedAny;

    public UserHistory(int recentCap) {
        seen = new long[8];
        recent = new long[recentCap];
    }

    public boolean hasSeen(long key) {
        for (int i = 0; i < seenSize; i++) {
            if (seen[i] == key) {
                return true;
            }
        }
        return false;
    }

    /** Records an interaction with {@code key}; evicts the oldest seen key past {@code seenCap}. */
    public void addSeen(long key, int seenCap) {
        if (hasSeen(key)) {
            return;
        }
        lastEvictedAny = false;
        if (seenSize == seenCap) {
            lastEvicted = seen[0];
            lastEvictedAny = true;
            System.arraycopy(seen, 1, seen, 0, seenSize - 1);
            seenSize--;
        }
        lastAdded = key;
        seenVersion++;
        if (seenSize == seen.length) {
            seen = Arrays.copyOf(seen, Math.min(Math.max(8, seen.length * 2), Math.max(seenCap, 8)));
        }
        seen[seenSize++] = key;
    }

    /** Makes {@code key} the most recent positive item (moving it to the front if present). */
    public void touchRecent(long key) {
        int pos = -1;
        for (int i = 0; i < recentSize; i++) {
            if (recent[i] == key) {
                pos = i;
                break;
            }
        }
        int shiftEnd = pos >= 0 ? pos : Math.min(recentSize, recent.length - 1);
        System.arraycopy(recent, 0, recent, 1, shiftEnd);
        recent[0] = key;
        if (pos < 0 && recentSize < recent.length) {
            recentSize++;
        }
    }

    /** Changes of the seen set so far (see {@link #lastAdded}); a reader can tell whether it changed since it looked. */
    public long seenVersion() {
        return seenVersion;
    }

    /** The key the last change of the seen set added. */
    public long lastAdded() {
        return lastAdded;
    }

    /** Whether the last change of the seen set also evicted its oldest key ({@link #lastEvicted}). */
    public boolean lastEvictedAny() {
        return lastEvictedAny;
    }

    public long lastEvicted() {
        return lastEvicted;
    }

    public int seenSize() {
        return seenSize;
    }

    public long seenAt(int i) {
        return seen[i];
    }

    public long[] recent() {
        return Arrays.copyOf(recent, recentSize);
    }

    public byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(1 + 8 + 8 * (seenSize + recentSize));
        b.put(VERSION).putInt(seenSize).putInt(recentSize);
        for (int i = 0; i < seenSize; i++) {
            b.putLong(seen[i]);
        }
        for (int i = 0; i < recentSize; i++) {
            b.putLong(recent[i]);
        }
        return b.array();
    }

    public static UserHistory decode(byte[] bytes, int recentCap) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        byte v = b.get();
        if (v != VERSION) {
            throw new IllegalStateException("seen-set entry has encoding version " + v + ", expected " + VERSION);
        }
        int ns = b.getInt();
        int nr = b.getInt();
        UserHistory h = new UserHistory(recentCap);
        h.seen = new long[Math.max(8, ns)];
        for (int i = 0; i < ns; i++) {
            h.seen[i] = b.getLong();
        }
        h.seenSize = ns;
        for (int i = 0; i < nr; i++) {
            long key = b.getLong();
            if (i < recentCap) {
                h.recent[i] = key;
                h.recentSize++;
            }
        }
        return h;
    }
}
