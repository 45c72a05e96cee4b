package dev.hyperrec.operators;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * The learned similarity of the Mixture-of-Logits scorer (Zhai et al. 2023, "Revisiting Neural
 * Retrieval on Accelerators"): {@code P} user-side and {@code R} item-side component embeddings of
 * width {@code c}, {@code f_p = A_p q} and {@code g_r = B_r x}, their {@code P·R} dot products as
 * component logits {@code l_pr = f_p · g_r}, mixed by a gating network
 * {@code π = softmax_pr(G_q q + G_x x + bias)}: {@code φ(q, x) = Σ_pr π_pr l_pr}. With one component
 * pair it is a (low-rank) bilinear dot product; the gate lets different users and items use
 * different notions of similarity. The item side ({@code g_r}, {@code G_x x}) depends only on the
 * item and is precomputed per catalog row; a pair then costs {@code P·R·(2c + 3)} flops plus
 * {@code P·R} exponentials, against {@code 2·dim} for a dot product.
 *
 * <p>Row-major: {@code a[(p·c + t)·dim + k]}, {@code b[(r·c + t)·dim + k]}, {@code gq[(p·R + r)·dim + k]},
 * {@code gx} likewise, {@code bias[p·R + r]}. Immutable once built. File format: magic {@code "HRML"},
 * format 1, version label, P, R, c, dim, then a, b, gq, gx, bias as floats (big-endian).
 */
public final class MixtureOfLogits {
    private static final int MAGIC = 0x48524D4C; // "HRML"
    private static final int FORMAT = 1;
    /** Largest {@code P·R} and {@code c} the backends support. */
    public static final int MAX_PAIRS = 64;
    public static final int MAX_COMPONENT = 128;

    private final String version;
    private final int userComponents;
    private final int itemComponents;
    private final int width;
    private final int dim;
    private final float[] a;
    private final float[] b;
    private final float[] gq;
    private final float[] gx;
    private final float[] bias;

    public MixtureOfLogits(String version, int userComponents, int itemComponents, int width, int dim,
            float[] a, float[] b, float[] gq, float[] gx, float[] bias) {
        this.version = Objects.requireNonNull(version, "version");
        if (userComponents < 1 || itemComponents < 1 || userComponents * itemComponents > MAX_PAIRS) {
            throw new OperatorException("components P=" + userComponents + ", R=" + itemComponents + " must be >= 1 with P*R <= " + MAX_PAIRS);
        }
        if (width < 1 || width > MAX_COMPONENT || dim < 1) {
            throw new OperatorException("component width " + width + " must be in [1, " + MAX_COMPONENT + "] and dim " + dim + " >= 1");
        }
        this.userComponents = userComponents;
        this.itemComponents = itemComponents;
        this.width = width;
        this.dim = dim;
        int pairs = userComponents * itemComponents;
        this.a = check("a", a, (long) userComponents * width * dim);
        this.b = check("b", b, (long) itemComponents * width * dim);
        this.gq = check("gq", gq, (long) pairs * dim);
        this.gx = check("gx", gx, (long) pairs * dim);
        this.bias = check("bias", bias, pairs);
    }

    private static float[] check(String name, float[] w, long expected) {
        Objects.requireNonNull(w, name);
        if (w.length != expected) {
            throw new OperatorException(name + " has " + w.length + " values, expected " + expected);
        }
        for (int i = 0; i < w.length; i++) {
            if (!Float.isFinite(w[i])) {
                throw new OperatorException(name + "[" + i + "] is not finite: " + w[i]);
            }
        }
        return w;
    }

    /** Seeded Gaussian component maps ({@code 1/sqrt(dim)} scale) and a uniform gate: a training start. */
    public static MixtureOfLogits initial(String version, int userComponents, int itemComponents, int width, int dim, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        double s = 1 / Math.sqrt(dim);
        float[] a = new float[userComponents * width * dim];
        float[] b = new float[itemComponents * width * dim];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) (rnd.nextGaussian() * s);
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) (rnd.nextGaussian() * s);
        }
        int pairs = userComponents * itemComponents;
        return new MixtureOfLogits(version, userComponents, itemComponents, width, dim, a, b, new float[pairs * dim],
                new float[pairs * dim], new float[pairs]);
    }

    public String version() {
        return version;
    }

    /** P. */
    public int userComponents() {
        return userComponents;
    }

    /** R. */
    public int itemComponents() {
        return itemComponents;
    }

    /** c, the width of one component embedding. */
    public int width() {
        return width;
    }

    public int dim() {
        return dim;
    }

    public int pairs() {
        return userComponents * itemComponents;
    }

    /** Floats precomputed per item: {@code R·c} component values and {@code P·R} gate terms. */
    public int itemFloats() {
        return itemComponents * width + pairs();
    }

    /** Floats precomputed per query: {@code P·c} component values and {@code P·R} gate terms (with the bias). */
    public int queryFloats() {
        return userComponents * width + pairs();
    }

    /** Flops of one (query, item) score once both sides are precomputed (exp counted as one). */
    public long flopsPerPair() {
        return (long) pairs() * (2L * width + 5);
    }

    public float[] a() {
        return a;
    }

    public float[] b() {
        return b;
    }

    public float[] gq() {
        return gq;
    }

    public float[] gx() {
        return gx;
    }

    public float[] bias() {
        return bias;
    }

    /** Writes through a temporary file and a rename. */
    public void write(Path file) throws IOException {
        WeightFiles.writeAtomically(file, ".mol", os -> {
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(os));
            out.writeInt(MAGIC);
            out.writeInt(FORMAT);
            out.writeUTF(version);
            out.writeInt(userComponents);
            out.writeInt(itemComponents);
            out.writeInt(width);
            out.writeInt(dim);
            WeightFiles.writeFloats(out, a, b, gq, gx, bias);
            out.flush();
        });
    }

    public static MixtureOfLogits read(Path file) throws IOException {
        try (InputStream is = Files.newInputStream(file)) {
            DataInputStream in = new DataInputStream(new BufferedInputStream(is));
            if (in.readInt() != MAGIC) {
                throw new IOException(file + " is not a mixture-of-logits weight file");
            }
            int format = in.readInt();
            if (format != FORMAT) {
                throw new IOException("mixture-of-logits format " + format + " unsupported (this build reads " + FORMAT + ")");
            }
            String version = in.readUTF();
            int p = in.readInt();
            int r = in.readInt();
            int c = in.readInt();
            int d = in.readInt();
            if (p < 1 || r < 1 || p * r > MAX_PAIRS || c < 1 || c > MAX_COMPONENT || d < 1 || d > 4096) {
                throw new IOException("mixture-of-logits shape P=" + p + " R=" + r + " c=" + c + " dim=" + d + " out of range");
            }
            float[] a = WeightFiles.readFloats(in, p * c * d);
            float[] b = WeightFiles.readFloats(in, r * c * d);
            float[] gq = WeightFiles.readFloats(in, p * r * d);
            float[] gx = WeightFiles.readFloats(in, p * r * d);
            float[] bias = WeightFiles.readFloats(in, p * r);
            try {
                return new MixtureOfLogits(version, p, r, c, d, a, b, gq, gx, bias);
            } catch (OperatorException e) {
                throw new IOException(e.getMessage(), e);
            }
        }
    }

    @Override
    public String toString() {
        return "MixtureOfLogits[" + version + ", P=" + userComponents + ", R=" + itemComponents + ", c=" + width + ", dim=" + dim + "]";
    }
}
