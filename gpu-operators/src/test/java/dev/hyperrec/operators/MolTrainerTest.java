package dev.hyperrec.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.hyperrec.operators.internal.MolMath;
import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Mixture-of-Logits gradient (against central finite differences), its training, and the weight file. */
class MolTrainerTest {

    private static float[] random(SplittableRandom rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return v;
    }

    private static double loss(MixtureOfLogits w, float[] q, float[] x, int n, int pos) {
        return MolMath.backward(w, q, x, n, pos, new double[w.a().length], new double[w.b().length], new double[w.gq().length],
                new double[w.gx().length], new double[w.bias().length]);
    }

    @Test
    void gradientMatchesFiniteDifferences() {
        SplittableRandom rnd = new SplittableRandom(5);
        int dim = 6;
        MixtureOfLogits w = new MixtureOfLogits("t", 2, 3, 4, dim, random(rnd, 2 * 4 * dim), random(rnd, 3 * 4 * dim),
                random(rnd, 6 * dim), random(rnd, 6 * dim), random(rnd, 6));
        float[] q = random(rnd, dim);
        float[] x = random(rnd, 5 * dim);
        double[][] g = {new double[w.a().length], new double[w.b().length], new double[w.gq().length], new double[w.gx().length],
            new double[w.bias().length]};
        MolMath.backward(w, q, x, 5, 2, g[0], g[1], g[2], g[3], g[4]);
        float[][] mats = {w.a(), w.b(), w.gq(), w.gx(), w.bias()};
        double h = 1e-2;
        for (int m = 0; m < 5; m++) {
            for (int i = 0; i < mats[m].length; i += 3) {
                float keep = mats[m][i];
                mats[m][i] = (float) (keep + h);
                double up = loss(w, q, x, 5, 2);
                mats[m][i] = (float) (keep - h);
                double down = loss(w, q, x, 5, 2);
                mats[m][i] = keep;
                double numeric = (up - down) / (2 * h);
                assertThat(g[m][i]).as("matrix %d entry %d", m, i).isCloseTo(numeric, within(3e-3 + 0.02 * Math.abs(numeric)));
            }
        }
    }

    /** Planted: the chosen item is the one closest to the query under a hidden linear map, which training must find. */
    @Test
    void trainingLearnsAHiddenSimilarity() {
        SplittableRandom rnd = new SplittableRandom(12);
        int dim = 8;
        float[] hidden = random(rnd, dim * dim);
        MolTrainer train = new MolTrainer(0.01, 3);
        MolTrainer heldOut = new MolTrainer(0.01, 3);
        for (int e = 0; e < 700; e++) {
            float[] q = random(rnd, dim);
            int n = 10;
            float[] x = random(rnd, n * dim);
            int best = 0;
            double bestScore = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int a = 0; a < dim; a++) {
                    for (int b = 0; b < dim; b++) {
                        s += q[a] * hidden[a * dim + b] * x[j * dim + b];
                    }
                }
                if (s > bestScore) {
                    bestScore = s;
                    best = j;
                }
            }
            (e < 600 ? train : heldOut).add(new MolTrainer.Example(q, x, n, best));
        }
        MixtureOfLogits start = MixtureOfLogits.initial("v0", 2, 2, 8, dim, 7);
        MixtureOfLogits trained = train.train(start, "v1", 20, 32);
        assertThat(heldOut.loss(trained)).isLessThan(0.6 * heldOut.loss(start));
        assertThat(train.train(start, "v1", 20, 32).a()).containsExactly(trained.a());
    }

    @Test
    void weightFileRoundTrips(@TempDir Path dir) throws IOException {
        MixtureOfLogits w = MixtureOfLogits.initial("v3", 3, 2, 5, 7, 11);
        w.write(dir.resolve("m.bin"));
        MixtureOfLogits r = MixtureOfLogits.read(dir.resolve("m.bin"));
        assertThat(r.version()).isEqualTo("v3");
        assertThat(r.pairs()).isEqualTo(6);
        assertThat(r.a()).containsExactly(w.a());
        assertThat(r.b()).containsExactly(w.b());
    }
}
