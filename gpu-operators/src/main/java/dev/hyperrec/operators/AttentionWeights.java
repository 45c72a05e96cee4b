package dev.hyperrec.operators;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The learned parameters of the multi-head attention reranker ({@link AttentionReranker}), immutable
 * once built, with a version label. Row-major matrices: {@code wq} is {@code dim × (dim + context)}
 * (the query is the user vector followed by the context features), {@code wk}, {@code wv} and
 * {@code wo} are {@code dim × dim}. {@code dim} must be a multiple of {@code heads}. {@code baseScale}
 * (&gt; 0) is the learned weight of the base ranking's score against the reranker's: a reranked
 * candidate's final score is {@code base + s_j / baseScale}, which orders the reranked candidates by
 * the trained logit {@code baseScale · base + s_j} and keeps the base score's scale for the rest.
 *
 * <p>File format (big-endian, {@link DataOutputStream}): magic {@code "HRAW"}, format 1, the version
 * label (modified UTF-8), heads, dim, context, baseScale, then wq, wk, wv, wo as floats.
 */
public final class AttentionWeights {
    private static final int MAGIC = 0x48524157; // "HRAW"
    private static final int FORMAT = 1;

    private final String version;
    private final int heads;
    private final int dim;
    private final int context;
    private final float baseScale;
    private final float[] wq;
    private final float[] wk;
    private final float[] wv;
    private final float[] wo;

    /** Validates shapes and finiteness and copies nothing: the arrays must not be changed afterwards. */
    public AttentionWeights(String version, int heads, int dim, int context, float baseScale, float[] wq, float[] wk, float[] wv,
            float[] wo) {
        this.version = Objects.requireNonNull(version, "version");
        if (heads < 1 || dim < 1 || dim % heads != 0) {
            throw new OperatorException("attention needs dim (" + dim + ") to be a positive multiple of heads (" + heads + ")");
        }
        if (context < 0) {
            throw new OperatorException("context width must be >= 0, was " + context);
        }
        if (!(baseScale > 0) || !Float.isFinite(baseScale)) {
            throw new OperatorException("baseScale must be finite and > 0, was " + baseScale);
        }
        this.baseScale = baseScale;
        this.heads = heads;
        this.dim = dim;
        this.context = context;
        this.wq = check("wq", wq, (long) dim * (dim + context));
        this.wk = check("wk", wk, (long) dim * dim);
        this.wv = check("wv", wv, (long) dim * dim);
        this.wo = check("wo", wo, (long) dim * dim);
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

    /**
     * The starting point of training: {@code Q = user}, {@code K = V = item}, {@code W_O = 0}, base
     * scale 1, so the reranker's score is the personal dot product {@code user · item / sqrt(dim)}
     * until trained.
     */
    public static AttentionWeights identity(String version, int heads, int dim, int context) {
        float[] wq = new float[dim * (dim + context)];
        float[] wk = new float[dim * dim];
        float[] wv = new float[dim * dim];
        for (int r = 0; r < dim; r++) {
            wq[r * (dim + context) + r] = 1f;
            wk[r * dim + r] = 1f;
            wv[r * dim + r] = 1f;
        }
        return new AttentionWeights(version, heads, dim, context, 1f, wq, wk, wv, new float[dim * dim]);
    }

    public String version() {
        return version;
    }

    public int heads() {
        return heads;
    }

    public int dim() {
        return dim;
    }

    /** Width of the context feature vector. */
    public int context() {
        return context;
    }

    /** Weight of the base ranking's score in the trained logit (see the class comment). */
    public float baseScale() {
        return baseScale;
    }

    /** Width of the query input: {@code dim + context}. */
    public int queryWidth() {
        return dim + context;
    }

    /** The raw matrices (read-only by contract; backends upload them). */
    public float[] wq() {
        return wq;
    }

    public float[] wk() {
        return wk;
    }

    public float[] wv() {
        return wv;
    }

    public float[] wo() {
        return wo;
    }

    /** Writes the weights to {@code file} (through a temporary file and a rename, so a watcher never reads half a file). */
    public void write(Path file) throws IOException {
        WeightFiles.writeAtomically(file, ".weights", this::write);
    }

    public void write(OutputStream os) throws IOException {
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(os));
        out.writeInt(MAGIC);
        out.writeInt(FORMAT);
        out.writeUTF(version);
        out.writeInt(heads);
        out.writeInt(dim);
        out.writeInt(context);
        out.writeFloat(baseScale);
        WeightFiles.writeFloats(out, wq, wk, wv, wo);
        out.flush();
    }

    public static AttentionWeights read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in);
        }
    }

    public static AttentionWeights read(InputStream is) throws IOException {
        DataInputStream in = new DataInputStream(new BufferedInputStream(is));
        int magic = in.readInt();
        if (magic != MAGIC) {
            throw new IOException("not an attention weight file (magic " + Integer.toHexString(magic) + ")");
        }
        int format = in.readInt();
        if (format != FORMAT) {
            throw new IOException("attention weight format " + format + " unsupported (this build reads " + FORMAT + ")");
        }
        String version = in.readUTF();
        int heads = in.readInt();
        int dim = in.readInt();
        int context = in.readInt();
        float baseScale = in.readFloat();
        if (dim < 1 || dim > 4096 || context < 0 || context > 4096) {
            throw new IOException("attention weight file has dim " + dim + " and context " + context + " (limits 1..4096, 0..4096)");
        }
        float[] wq = WeightFiles.readFloats(in, dim * (dim + context));
        float[] wk = WeightFiles.readFloats(in, dim * dim);
        float[] wv = WeightFiles.readFloats(in, dim * dim);
        float[] wo = WeightFiles.readFloats(in, dim * dim);
        try {
            return new AttentionWeights(version, heads, dim, context, baseScale, wq, wk, wv, wo);
        } catch (OperatorException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "AttentionWeights[" + version + ", heads=" + heads + ", dim=" + dim + ", context=" + context
                + ", baseScale=" + baseScale + "]";
    }
}
