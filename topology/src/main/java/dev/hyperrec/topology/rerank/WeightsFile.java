package dev.hyperrec.topology.rerank;

import dev.hyperrec.operators.AttentionWeights;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hot-swappable attention weights from a file: {@link #get()} returns the weights last loaded and,
 * at most once per {@code checkIntervalMs} of wall-clock time, checks the file's modification time
 * and size and reloads it when either changed. The trainer writes through a rename
 * ({@link AttentionWeights#write(Path)}), so a reload never sees half a file; a file that fails to
 * load is logged and the previous weights stay in use. A missing file means no weights (the stage
 * is then a pass-through). Lists computed after a swap use the new version: which lists those are
 * depends on wall-clock time, as with any model update. Not thread-safe (one task thread).
 */
public final class WeightsFile implements Supplier<AttentionWeights> {
    private static final Logger LOG = LoggerFactory.getLogger(WeightsFile.class);

    private final Path file;
    private final int dim;
    private final int context;
    private final long checkIntervalMs;
    private final LongSupplier clock;
    private long nextCheck = Long.MIN_VALUE;
    private FileTime loadedTime;
    private long loadedSize = -1;
    private AttentionWeights current;
    private long reloads;

    /** Weights for embeddings of {@code dim} and {@code context} features; a file of other widths is refused. */
    public WeightsFile(Path file, int dim, int context, long checkIntervalMs) {
        this(file, dim, context, checkIntervalMs, System::currentTimeMillis);
    }

    /** With an explicit clock (tests). */
    WeightsFile(Path file, int dim, int context, long checkIntervalMs, LongSupplier clock) {
        this.file = file;
        this.dim = dim;
        this.context = context;
        this.checkIntervalMs = checkIntervalMs;
        this.clock = clock;
    }

    @Override
    public AttentionWeights get() {
        long now = clock.getAsLong();
        if (now >= nextCheck) {
            nextCheck = now + checkIntervalMs;
            check();
        }
        return current;
    }

    /** How many times weights were (re)loaded. */
    public long reloads() {
        return reloads;
    }

    private void check() {
        try {
            if (!Files.exists(file)) {
                return;
            }
            FileTime t = Files.getLastModifiedTime(file);
            long size = Files.size(file);
            if (t.equals(loadedTime) && size == loadedSize) {
                return;
            }
            AttentionWeights w = AttentionWeights.read(file);
            if (w.dim() != dim || w.context() != context) {
                throw new IOException("weights " + w + " do not fit dim " + dim + " and context " + context);
            }
            loadedTime = t;
            loadedSize = size;
            reloads++;
            LOG.info("attention reranker: loaded weights {} from {}", w, file);
            current = w;
        } catch (IOException | RuntimeException e) {
            LOG.warn("attention reranker: cannot load {} ({}); keeping {}", file, e.getMessage(), current);
        }
    }
}
