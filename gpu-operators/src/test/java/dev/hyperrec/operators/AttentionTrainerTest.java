package dev.hyperrec.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.hyperrec.operators.internal.AttentionMath;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The reranker's gradient (against central finite differences), its training, and the weight file. */
class AttentionTrainerTest {

    private static float[] random(SplittableRandom rnd, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((rnd.nextDouble() * 2 - 1) * scale);
        }
        return v;
    }

    private static AttentionWeights randomWeights(SplittableRandom rnd, int heads, int dim, int ctx) {
        return new AttentionWeights("t", heads, dim, ctx, 1f, random(rnd, dim * (dim + ctx), 0.5), random(rnd, dim * dim, 0.5),
                random(rnd, dim * dim, 0.5), random(rnd, dim * dim, 0.5));
    }

    /** Base-ranking scores of the gradient check's six candidates. */
    private static final float[] OFFSET = {0.3f, -0.1f, 0.8f, 0.0f, 0.5f, -0.4f};

    private static double loss(AttentionWeights w, float[] q, float[] x, int n, int pos) {
        AttentionMath.Pass p = new AttentionMath.Pass();
        AttentionMath.forward(w, q, x, n, p);
        return AttentionMath.backward(w, q, x, OFFSET, pos, p, new double[w.wq().length], new double[w.wk().length],
                new double[w.wv().length], new double[w.wo().length], new double[1]);
    }

    @Test
    void gradientMatchesFiniteDifferences() {
        SplittableRandom rnd = new SplittableRandom(7);
        int heads = 2;
        int dim = 8;
        int ctx = 3;
        int n = 6;
        AttentionWeights w = randomWeights(rnd, heads, dim, ctx);
        float[] q = random(rnd, dim + ctx, 1);
        float[] x = random(rnd, n * dim, 1);
        int pos = 4;
        double[][] g = {new double[w.wq().length], new double[w.wk().length], new double[w.wv().length], new double[w.wo().length]};
        AttentionMath.Pass p = new AttentionMath.Pass();
        AttentionMath.forward(w, q, x, n, p);
        double[] gBase = new double[1];
        AttentionMath.backward(w, q, x, OFFSET, pos, p, g[0], g[1], g[2], g[3], gBase);
        float[][] mats = {w.wq(), w.wk(), w.wv(), w.wo()};
        double h = 1e-2;
        for (int m = 0; m < 4; m++) {
            for (int i = 0; i < mats[m].length; i += 5) {
                float keep = mats[m][i];
                mats[m][i] = (float) (keep + h);
                double up = loss(w, q, x, n, pos);
                mats[m][i] = (float) (keep - h);
                double down = loss(w, q, x, n, pos);
                mats[m][i] = keep;
                double numeric = (up - down) / (2 * h);
                assertThat(g[m][i]).as("matrix %d entry %d", m, i).isCloseTo(numeric, within(2e-3 + 0.02 * Math.abs(numeric)));
            }
        }
        AttentionWeights up = new AttentionWeights("t", heads, dim, ctx, w.baseScale() + (float) h, w.wq(), w.wk(), w.wv(), w.wo());
        AttentionWeights down = new AttentionWeights("t", heads, dim, ctx, w.baseScale() - (float) h, w.wq(), w.wk(), w.wv(), w.wo());
        double numeric = (loss(up, q, x, n, pos) - loss(down, q, x, n, pos)) / (2 * h);
        assertThat(gBase[0]).isCloseTo(numeric, within(2e-3 + 0.02 * Math.abs(numeric)));
    }

    /** Planted: the user clicks the candidate whose embedding matches the context's one-hot direction, not the user's. */
    @Test
    void trainingLearnsAContextDependentPreference() {
        SplittableRandom rnd = new SplittableRandom(3);
        int dim = 8;
        int ctx = 4;
        int n = 8;
        AttentionTrainer trainer = new AttentionTrainer(0.02, 1e-4, 5);
        AttentionTrainer heldOut = new AttentionTrainer(0.02, 1e-4, 5);
        for (int e = 0; e < 600; e++) {
            float[] q = random(rnd, dim + ctx, 0.3);
            int c = rnd.nextInt(ctx);
            for (int i = 0; i < ctx; i++) {
                q[dim + i] = i == c ? 1 : 0;
            }
            float[] x = random(rnd, n * dim, 0.3);
            int pos = rnd.nextInt(n);
            x[pos * dim + c] += 1.5f; // the clicked item carries the context's direction
            (e < 500 ? trainer : heldOut).add(new AttentionTrainer.Example(q, x, null, n, pos));
        }
        AttentionWeights start = AttentionWeights.identity("v0", 2, dim, ctx);
        AttentionWeights trained = trainer.train(start, "v1", 30, 32);
        assertThat(trained.version()).isEqualTo("v1");
        double before = heldOut.loss(start);
        double after = heldOut.loss(trained);
        assertThat(after).isLessThan(0.6 * before);
        assertThat(trainer.train(start, "v1", 30, 32).wq()).containsExactly(trained.wq());
    }

    @Test
    void weightFileRoundTrips() throws IOException {
        AttentionWeights w = randomWeights(new SplittableRandom(1), 4, 16, 5);
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        w.write(bos);
        AttentionWeights r = AttentionWeights.read(new ByteArrayInputStream(bos.toByteArray()));
        assertThat(r.version()).isEqualTo("t");
        assertThat(r.heads()).isEqualTo(4);
        assertThat(r.context()).isEqualTo(5);
        assertThat(r.wq()).containsExactly(w.wq());
        assertThat(r.wo()).containsExactly(w.wo());
        byte[] bad = bos.toByteArray();
        bad[0] = 0;
        assertThatThrownBy(() -> AttentionWeights.read(new ByteArrayInputStream(bad))).isInstanceOf(IOException.class);
        byte[] truncated = java.util.Arrays.copyOf(bos.toByteArray(), 100);
        assertThatThrownBy(() -> AttentionWeights.read(new ByteArrayInputStream(truncated))).isInstanceOf(IOException.class);
    }

    @Test
    void refusesInconsistentShapes() {
        assertThatThrownBy(() -> AttentionWeights.identity("v", 3, 16, 0)).isInstanceOf(OperatorException.class)
                .hasMessageContaining("multiple of heads");
        assertThatThrownBy(() -> new AttentionWeights("v", 1, 2, 0, 1f, new float[4], new float[4], new float[4], new float[3]))
                .isInstanceOf(OperatorException.class).hasMessageContaining("wo");
    }
}
