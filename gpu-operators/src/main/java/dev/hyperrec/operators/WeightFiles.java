package dev.hyperrec.operators;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * What the learned weight files ({@link AttentionWeights}, {@link MixtureOfLogits}) share: writing
 * through a temporary file and an atomic rename (so a watcher that hot-swaps weights never reads half
 * a file), and float arrays as big-endian IEEE 754 values.
 */
final class WeightFiles {
    private WeightFiles() {
    }

    /** Writes the body of a weight file. */
    @FunctionalInterface
    interface Body {
        void write(OutputStream os) throws IOException;
    }

    /** Writes {@code body} to a temporary file named {@code prefix*.tmp} beside {@code file}, then renames it. */
    static void writeAtomically(Path file, String prefix, Body body) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, prefix, ".tmp");
        try (OutputStream os = Files.newOutputStream(tmp)) {
            body.write(os);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Writes every value of every array, in order. */
    static void writeFloats(DataOutputStream out, float[]... arrays) throws IOException {
        for (float[] a : arrays) {
            for (float f : a) {
                out.writeFloat(f);
            }
        }
    }

    /** Reads {@code n} floats. */
    static float[] readFloats(DataInputStream in, int n) throws IOException {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = in.readFloat();
        }
        return f;
    }
}
