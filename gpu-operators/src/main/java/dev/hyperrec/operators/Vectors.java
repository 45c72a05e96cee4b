package dev.hyperrec.operators;

/** Small vector helpers shared by the topology and both backends. */
public final class Vectors {
    /** Weight of a request's query embedding when fused with the user's embedding (seeds: 0.7). */
    public static final float QUERY_WEIGHT = 0.7f;

    private Vectors() {
    }

    /** {@code out = normalise(wq * q + (1 - wq) * u)}; {@code out} may alias neither input. */
    public static void fuse(float[] q, float[] u, float wq, float[] out) {
        for (int i = 0; i < out.length; i++) {
            out[i] = wq * q[i] + (1f - wq) * u[i];
        }
        normaliseInPlace(out);
    }

    /** Scales {@code v} to unit L2 norm; leaves a zero vector unchanged. Returns the original norm. */
    public static float normaliseInPlace(float[] v) {
        double s = 0;
        for (float x : v) {
            s += (double) x * x;
        }
        float norm = (float) Math.sqrt(s);
        if (norm > 0f) {
            float inv = 1f / norm;
            for (int i = 0; i < v.length; i++) {
                v[i] *= inv;
            }
        }
        return norm;
    }

    public static boolean allFinite(float[] v) {
        for (float x : v) {
            if (!Float.isFinite(x)) {
                return false;
            }
        }
        return true;
    }
}
