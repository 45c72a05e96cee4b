package dev.hyperrec.operators.internal;

import dev.hyperrec.operators.AttentionWeights;

/**
 * The attention reranker's forward pass and its gradient (see
 * {@link dev.hyperrec.operators.AttentionReranker} for the model), shared by the CPU reference
 * backend and the trainer so that both compute the same function. Dot products accumulate in
 * double. A {@code Pass} holds the activations of one list; it is reused across lists and is not
 * thread-safe.
 */
public final class AttentionMath {
    private AttentionMath() {
    }

    /** Activations of one forward pass (reused; grown as needed). */
    public static final class Pass {
        int n;
        float[] q = new float[0];
        float[] k = new float[0];
        float[] v = new float[0];
        float[] alpha = new float[0];
        float[] pooled = new float[0];
        float[] o = new float[0];
        float[] s = new float[0];

        void size(int n, int dim, int heads) {
            this.n = n;
            if (q.length < dim) {
                q = new float[dim];
                pooled = new float[dim];
                o = new float[dim];
            }
            if (k.length < n * dim) {
                k = new float[n * dim];
                v = new float[n * dim];
            }
            if (alpha.length < heads * n) {
                alpha = new float[heads * n];
            }
            if (s.length < n) {
                s = new float[n];
            }
        }

        /** Scores of the last pass. */
        public float[] scores() {
            return s;
        }

        /** Attention weights of the last pass, {@code h * n + j}. */
        public float[] attention() {
            return alpha;
        }
    }

    /**
     * Forward pass over {@code n} candidates whose embeddings are the rows of {@code x} (row-major,
     * {@code n × dim}); {@code query} is {@code dim + context} wide (user then context).
     */
    public static void forward(AttentionWeights w, float[] query, float[] x, int n, Pass p) {
        int dim = w.dim();
        int heads = w.heads();
        int dh = dim / heads;
        int qw = w.queryWidth();
        p.size(n, dim, heads);
        matVec(w.wq(), dim, qw, query, 0, p.q, 0);
        for (int j = 0; j < n; j++) {
            matVec(w.wk(), dim, dim, x, j * dim, p.k, j * dim);
            matVec(w.wv(), dim, dim, x, j * dim, p.v, j * dim);
        }
        double invH = 1.0 / Math.sqrt(dh);
        for (int h = 0; h < heads; h++) {
            int base = h * dh;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) {
                double l = 0;
                for (int t = 0; t < dh; t++) {
                    l += (double) p.q[base + t] * p.k[j * dim + base + t];
                }
                l *= invH;
                p.alpha[h * n + j] = (float) l;
                max = Math.max(max, l);
            }
            double sum = 0;
            for (int j = 0; j < n; j++) {
                double e = Math.exp(p.alpha[h * n + j] - max);
                p.alpha[h * n + j] = (float) e;
                sum += e;
            }
            for (int j = 0; j < n; j++) {
                p.alpha[h * n + j] = (float) (p.alpha[h * n + j] / sum);
            }
            for (int t = 0; t < dh; t++) {
                double acc = 0;
                for (int j = 0; j < n; j++) {
                    acc += (double) p.alpha[h * n + j] * p.v[j * dim + base + t];
                }
                p.pooled[base + t] = (float) acc;
            }
        }
        matVec(w.wo(), dim, dim, p.pooled, 0, p.o, 0);
        double inv = 1.0 / Math.sqrt(dim);
        for (int j = 0; j < n; j++) {
            double acc = 0;
            for (int r = 0; r < dim; r++) {
                acc += (double) (p.o[r] + p.q[r]) * p.k[j * dim + r];
            }
            p.s[j] = (float) (acc * inv);
        }
    }

    private static void matVec(float[] m, int rows, int cols, float[] in, int inOff, float[] out, int outOff) {
        for (int r = 0; r < rows; r++) {
            double acc = 0;
            int row = r * cols;
            for (int c = 0; c < cols; c++) {
                acc += (double) m[row + c] * in[inOff + c];
            }
            out[outOff + r] = (float) acc;
        }
    }

    /**
     * Softmax cross-entropy of candidate {@code positive} against the list after {@link #forward}
     * (sampled softmax over the candidates) with logits {@code baseScale · offset_j + s_j}, where
     * {@code offset} are the base ranking's scores (null: none), adding its gradient to
     * {@code gq, gk, gv, go} (shaped like the weights) and {@code gBase[0]} (the base scale's).
     *
     * @return the loss
     */
    public static double backward(AttentionWeights w, float[] query, float[] x, float[] offset, int positive, Pass p,
            double[] gq, double[] gk, double[] gv, double[] go, double[] gBase) {
        int n = p.n;
        int dim = w.dim();
        int heads = w.heads();
        int dh = dim / heads;
        int qw = w.queryWidth();
        double inv = 1.0 / Math.sqrt(dim);
        double invH = 1.0 / Math.sqrt(dh);
        double[] logit = new double[n];
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
            logit[j] = p.s[j] + (offset == null ? 0 : w.baseScale() * offset[j]);
            max = Math.max(max, logit[j]);
        }
        double[] gs = new double[n];
        double sum = 0;
        for (int j = 0; j < n; j++) {
            gs[j] = Math.exp(logit[j] - max);
            sum += gs[j];
        }
        double loss = -(logit[positive] - max - Math.log(sum));
        for (int j = 0; j < n; j++) {
            gs[j] = gs[j] / sum - (j == positive ? 1 : 0);
            if (offset != null) {
                gBase[0] += gs[j] * offset[j];
            }
        }
        double[] gz = new double[dim];
        double[] gK = new double[n * dim];
        double[] gV = new double[n * dim];
        for (int j = 0; j < n; j++) {
            for (int r = 0; r < dim; r++) {
                gz[r] += inv * gs[j] * p.k[j * dim + r];
                gK[j * dim + r] += inv * gs[j] * (p.o[r] + p.q[r]);
            }
        }
        double[] gQ = gz.clone();
        double[] gPooled = new double[dim];
        for (int r = 0; r < dim; r++) {
            for (int c = 0; c < dim; c++) {
                go[r * dim + c] += gz[r] * p.pooled[c];
                gPooled[c] += w.wo()[r * dim + c] * gz[r];
            }
        }
        double[] gAlpha = new double[n];
        for (int h = 0; h < heads; h++) {
            int base = h * dh;
            double dotAG = 0;
            for (int j = 0; j < n; j++) {
                double ga = 0;
                for (int t = 0; t < dh; t++) {
                    ga += gPooled[base + t] * p.v[j * dim + base + t];
                    gV[j * dim + base + t] += p.alpha[h * n + j] * gPooled[base + t];
                }
                gAlpha[j] = ga;
                dotAG += p.alpha[h * n + j] * ga;
            }
            for (int j = 0; j < n; j++) {
                double gl = p.alpha[h * n + j] * (gAlpha[j] - dotAG) * invH;
                for (int t = 0; t < dh; t++) {
                    gQ[base + t] += gl * p.k[j * dim + base + t];
                    gK[j * dim + base + t] += gl * p.q[base + t];
                }
            }
        }
        for (int j = 0; j < n; j++) {
            for (int r = 0; r < dim; r++) {
                double a = gK[j * dim + r];
                double b = gV[j * dim + r];
                for (int c = 0; c < dim; c++) {
                    float xc = x[j * dim + c];
                    gk[r * dim + c] += a * xc;
                    gv[r * dim + c] += b * xc;
                }
            }
        }
        for (int r = 0; r < dim; r++) {
            for (int c = 0; c < qw; c++) {
                gq[r * qw + c] += gQ[r] * query[c];
            }
        }
        return loss;
    }
}
