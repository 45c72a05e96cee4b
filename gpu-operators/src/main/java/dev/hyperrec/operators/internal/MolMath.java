package dev.hyperrec.operators.internal;

import dev.hyperrec.operators.MixtureOfLogits;

/**
 * The Mixture-of-Logits similarity and its gradient (see {@link MixtureOfLogits}), shared by the CPU
 * scorer and the trainer. Sums accumulate in double.
 */
public final class MolMath {
    private MolMath() {
    }

    /** Query side: {@code out[p·c + t] = (A_p q)_t}, then {@code out[P·c + pr] = (G_q q)_pr + bias_pr}. */
    public static void query(MixtureOfLogits w, float[] q, int qOff, float[] out, int outOff) {
        int d = w.dim();
        int rows = w.userComponents() * w.width();
        for (int i = 0; i < rows; i++) {
            out[outOff + i] = (float) dot(w.a(), i * d, q, qOff, d);
        }
        for (int pr = 0; pr < w.pairs(); pr++) {
            out[outOff + rows + pr] = (float) (dot(w.gq(), pr * d, q, qOff, d) + w.bias()[pr]);
        }
    }

    /** Item side: {@code out[r·c + t] = (B_r x)_t}, then {@code out[R·c + pr] = (G_x x)_pr}. */
    public static void item(MixtureOfLogits w, float[] x, int xOff, float[] out, int outOff) {
        int d = w.dim();
        int rows = w.itemComponents() * w.width();
        for (int i = 0; i < rows; i++) {
            out[outOff + i] = (float) dot(w.b(), i * d, x, xOff, d);
        }
        for (int pr = 0; pr < w.pairs(); pr++) {
            out[outOff + rows + pr] = (float) dot(w.gx(), pr * d, x, xOff, d);
        }
    }

    private static double dot(float[] m, int mOff, float[] v, int vOff, int n) {
        double s = 0;
        for (int k = 0; k < n; k++) {
            s += (double) m[mOff + k] * v[vOff + k];
        }
        return s;
    }

    /**
     * {@code φ} from the two precomputed sides; {@code pi} and {@code logits} (P·R each, may be null)
     * receive the gate and the component logits.
     */
    public static double score(MixtureOfLogits w, float[] qs, int qOff, float[] xs, int xOff, double[] pi, double[] logits) {
        int c = w.width();
        int pCount = w.userComponents();
        int rCount = w.itemComponents();
        int pairs = w.pairs();
        int qz = qOff + pCount * c;
        int xz = xOff + rCount * c;
        double max = Double.NEGATIVE_INFINITY;
        double[] z = pi != null ? pi : new double[pairs];
        double[] l = logits != null ? logits : new double[pairs];
        for (int p = 0; p < pCount; p++) {
            for (int r = 0; r < rCount; r++) {
                int pr = p * rCount + r;
                double s = 0;
                for (int t = 0; t < c; t++) {
                    s += (double) qs[qOff + p * c + t] * xs[xOff + r * c + t];
                }
                l[pr] = s;
                z[pr] = (double) qs[qz + pr] + xs[xz + pr];
                max = Math.max(max, z[pr]);
            }
        }
        double sum = 0;
        for (int pr = 0; pr < pairs; pr++) {
            z[pr] = Math.exp(z[pr] - max);
            sum += z[pr];
        }
        double phi = 0;
        for (int pr = 0; pr < pairs; pr++) {
            z[pr] /= sum;
            phi += z[pr] * l[pr];
        }
        return phi;
    }

    /**
     * Softmax cross-entropy of candidate {@code positive} among the {@code n} candidates {@code x}
     * ({@code n × dim}) for query {@code q}, adding the gradient to {@code ga, gb, ggq, ggx, gbias}.
     *
     * @return the loss
     */
    public static double backward(MixtureOfLogits w, float[] q, float[] x, int n, int positive,
            double[] ga, double[] gb, double[] ggq, double[] ggx, double[] gbias) {
        int d = w.dim();
        int c = w.width();
        int pCount = w.userComponents();
        int rCount = w.itemComponents();
        int pairs = w.pairs();
        float[] qs = new float[w.queryFloats()];
        query(w, q, 0, qs, 0);
        float[][] xs = new float[n][w.itemFloats()];
        double[][] pi = new double[n][pairs];
        double[][] l = new double[n][pairs];
        double[] phi = new double[n];
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
            item(w, x, j * d, xs[j], 0);
            phi[j] = score(w, qs, 0, xs[j], 0, pi[j], l[j]);
            max = Math.max(max, phi[j]);
        }
        double sum = 0;
        for (int j = 0; j < n; j++) {
            sum += Math.exp(phi[j] - max);
        }
        double loss = -(phi[positive] - max - Math.log(sum));
        double[] gf = new double[pCount * c];
        for (int j = 0; j < n; j++) {
            double gphi = Math.exp(phi[j] - max) / sum - (j == positive ? 1 : 0);
            for (int p = 0; p < pCount; p++) {
                for (int r = 0; r < rCount; r++) {
                    int pr = p * rCount + r;
                    double gl = gphi * pi[j][pr];
                    double gz = gl * (l[j][pr] - phi[j]);
                    for (int t = 0; t < c; t++) {
                        gf[p * c + t] += gl * xs[j][r * c + t];
                        double gg = gl * qs[p * c + t];
                        int row = (r * c + t) * d;
                        for (int k = 0; k < d; k++) {
                            gb[row + k] += gg * x[j * d + k];
                        }
                    }
                    for (int k = 0; k < d; k++) {
                        ggq[pr * d + k] += gz * q[k];
                        ggx[pr * d + k] += gz * x[j * d + k];
                    }
                    gbias[pr] += gz;
                }
            }
        }
        for (int i = 0; i < pCount * c; i++) {
            for (int k = 0; k < d; k++) {
                ga[i * d + k] += gf[i] * q[k];
            }
        }
        return loss;
    }
}
