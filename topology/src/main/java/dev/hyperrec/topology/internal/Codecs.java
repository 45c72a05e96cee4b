package dev.hyperrec.topology.internal;

import dev.hyperrec.operators.SketchState;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Compact binary encodings of the state kept in the task stores. */
public final class Codecs {
    private Codecs() {
    }

    public static byte[] floats(float[] src, int off, int len) {
        ByteBuffer b = ByteBuffer.allocate(len * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < len; i++) {
            b.putFloat(src[off + i]);
        }
        return b.array();
    }

    public static float[] floats(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[bytes.length / 4];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.getFloat();
        }
        return out;
    }

    public static byte[] banditKey(int segment, long itemKey) {
        return ByteBuffer.allocate(12).putInt(segment).putLong(itemKey).array();
    }

    public static byte[] longs(long... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8);
        for (long v : values) {
            b.putLong(v);
        }
        return b.array();
    }

    public static long[] longs(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        long[] out = new long[bytes.length / 8];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.getLong();
        }
        return out;
    }

    public static byte[] sketch(SketchState s) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 + 8 + 8 + 4 + 8 * s.counters().length + 8 * s.heavyKeys().length);
        b.putInt(s.width()).putInt(s.depth()).putLong(s.total()).putLong(s.epoch()).putInt(s.heavyKeys().length);
        for (long k : s.heavyKeys()) {
            b.putLong(k);
        }
        for (long c : s.counters()) {
            b.putLong(c);
        }
        return b.array();
    }

    public static SketchState sketch(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        int w = b.getInt();
        int d = b.getInt();
        long total = b.getLong();
        long epoch = b.getLong();
        long[] heavy = new long[b.getInt()];
        for (int i = 0; i < heavy.length; i++) {
            heavy[i] = b.getLong();
        }
        long[] counters = new long[b.remaining() / 8];
        for (int i = 0; i < counters.length; i++) {
            counters[i] = b.getLong();
        }
        return new SketchState(w, d, counters, total, epoch, heavy);
    }
}
