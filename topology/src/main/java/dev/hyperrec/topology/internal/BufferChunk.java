package dev.hyperrec.topology.internal;

import dev.hyperrec.topology.engine.PendingEvent;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One {@code batch-buffer} record: the accepted events of sequence numbers {@code [c * EVENTS, (c + 1) * EVENTS)} of one
 * task, chunk {@code c}, in the order they were accepted (a subset of that range: an event already done when its chunk was
 * started again is not in it). Format: a format byte ({@value #FORMAT}; a value written before chunks, one {@link
 * PendingEvent} a record, starts with that record's own version byte, 1), then each event as a 4-byte big-endian length
 * and its {@link PendingEvent#encode()} bytes.
 *
 * <p>The open chunk grows one event at a time and is put again with each; the store is cached, so its changelog gets a
 * chunk once a commit (and a tombstone once it is done), not a record and a tombstone for every event.
 */
final class BufferChunk {
    /** Events a chunk covers. */
    static final int EVENTS = 64;
    /** The first byte of a chunk's value. */
    static final byte FORMAT = 2;

    private byte[] bytes = new byte[1024];
    private int length;
    private long id = -1;

    /** The chunk an event of sequence number {@code seq} belongs to. */
    static long of(long seq) {
        return Math.floorDiv(seq, EVENTS);
    }

    /** The chunk being appended to, or -1: none. */
    long id() {
        return id;
    }

    /** Starts chunk {@code id} empty. */
    void start(long chunkId) {
        id = chunkId;
        bytes[0] = FORMAT;
        length = 1;
    }

    /** Forgets the open chunk (deleted from the store). */
    void reset() {
        id = -1;
        length = 0;
    }

    /** Appends {@code encoded} (a {@link PendingEvent#encode()}) and returns the chunk's value as it now is. */
    byte[] append(byte[] encoded) {
        int need = length + 4 + encoded.length;
        if (need > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(need, 2 * bytes.length));
        }
        ByteBuffer.wrap(bytes, length, 4).putInt(encoded.length);
        System.arraycopy(encoded, 0, bytes, length + 4, encoded.length);
        length = need;
        return Arrays.copyOf(bytes, length);
    }

    /** Whether {@code value} is a chunk (else a single event written before chunks). */
    static boolean isChunk(byte[] value) {
        return value.length > 0 && value[0] == FORMAT;
    }

    /** The events of a chunk's value, in order. */
    static List<PendingEvent> decode(byte[] value) {
        if (!isChunk(value)) {
            throw new IllegalStateException("batch-buffer chunk has format byte " + (value.length == 0 ? "(none)" : value[0])
                    + ", expected " + FORMAT);
        }
        List<PendingEvent> events = new ArrayList<>();
        ByteBuffer b = ByteBuffer.wrap(value, 1, value.length - 1);
        while (b.hasRemaining()) {
            int n = b.getInt();
            if (n < 0 || n > b.remaining()) {
                throw new IllegalStateException("batch-buffer chunk is truncated: an event of " + n + " bytes with "
                        + b.remaining() + " left");
            }
            byte[] e = new byte[n];
            b.get(e);
            events.add(PendingEvent.decode(e));
        }
        return events;
    }
}
