package dev.hyperrec.topology.engine;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * An accepted, validated event waiting in the open batch: an interaction or a request. Encoded
 * compactly into the changelogged batch-buffer store so that a commit never loses it.
 *
 * @param seq              the task's event sequence number (partition order)
 * @param request          true for a recommendation request, false for an interaction
 * @param eventId          interaction eventId, or the request's requestId
 * @param userId           the user
 * @param itemId           the interaction's item (null for requests)
 * @param type             InteractionType ordinal (-1 for requests)
 * @param value            rating or weight
 * @param eventTimeMs      event time (drives decay)
 * @param recordTimeMs     the input record's timestamp (stamped on the output)
 * @param recommendationId the list that led to this interaction, or null
 * @param segment          bandit context segment
 * @param k                list length (requests; 0 = configured default)
 * @param query            request query embedding, or null
 */
public record PendingEvent(long seq, boolean request, String eventId, String userId, String itemId, int type,
        float value, long eventTimeMs, long recordTimeMs, String recommendationId, int segment, int k,
        float[] query) {

    private static final byte VERSION = 1;

    public byte[] encode() {
        ByteArrayOutputStream bos = new ByteArrayOutputStream(96 + (query == null ? 0 : query.length * 4));
        try (DataOutputStream out = new DataOutputStream(bos)) {
            out.writeByte(VERSION);
            out.writeLong(seq);
            out.writeBoolean(request);
            out.writeUTF(eventId);
            out.writeUTF(userId);
            writeNullable(out, itemId);
            out.writeInt(type);
            out.writeFloat(value);
            out.writeLong(eventTimeMs);
            out.writeLong(recordTimeMs);
            writeNullable(out, recommendationId);
            out.writeInt(segment);
            out.writeInt(k);
            out.writeInt(query == null ? -1 : query.length);
            if (query != null) {
                for (float f : query) {
                    out.writeFloat(f);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bos.toByteArray();
    }

    public static PendingEvent decode(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            byte v = in.readByte();
            if (v != VERSION) {
                throw new IllegalStateException("batch-buffer entry has encoding version " + v + ", expected " + VERSION);
            }
            long seq = in.readLong();
            boolean request = in.readBoolean();
            String eventId = in.readUTF();
            String userId = in.readUTF();
            String itemId = readNullable(in);
            int type = in.readInt();
            float value = in.readFloat();
            long eventTime = in.readLong();
            long recordTime = in.readLong();
            String recId = readNullable(in);
            int segment = in.readInt();
            int k = in.readInt();
            int qn = in.readInt();
            float[] q = null;
            if (qn >= 0) {
                q = new float[qn];
                for (int i = 0; i < qn; i++) {
                    q[i] = in.readFloat();
                }
            }
            return new PendingEvent(seq, request, eventId, userId, itemId, type, value, eventTime, recordTime, recId,
                    segment, k, q);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeNullable(DataOutputStream out, String s) throws IOException {
        out.writeBoolean(s != null);
        if (s != null) {
            out.writeUTF(s);
        }
    }

    private static String readNullable(DataInputStream in) throws IOException {
        return in.readBoolean() ? in.readUTF() : null;
    }
}
