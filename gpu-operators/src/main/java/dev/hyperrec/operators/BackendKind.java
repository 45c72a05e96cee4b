package dev.hyperrec.operators;

import java.util.Locale;

/** Which operator backend to use: {@code auto} picks CUDA when a device is usable, else CPU. */
public enum BackendKind {
    AUTO, CPU, CUDA;

    /** Parses {@code auto|cpu|cuda} (case-insensitive). */
    public static BackendKind parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new OperatorException("unknown backend '" + text + "': expected auto, cpu or cuda");
        }
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
