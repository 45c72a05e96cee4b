package dev.hyperrec.operators.internal.cuda;

import dev.hyperrec.operators.ItemCatalog;
import java.nio.ByteBuffer;
import jcuda.driver.CUfunction;

/**
 * The device copy of an {@link ItemCatalog}: fp32 rows padded to {@code ld} (a multiple of 32) with
 * zeros, an optional bf16 copy for the tensor-core path, and one active flag per item.
 *
 * <p>Sync is incremental: the mirror remembers the catalog (by identity) and the version it copied;
 * later it re-uploads only rows whose {@link ItemCatalog#rawRowVersions()} entry is newer (upserts,
 * deletes, appends), staged through pinned memory in slabs and scattered by a kernel. A different
 * catalog object, or a dimension change, re-uploads everything. Capacity grows with headroom (old rows
 * are then re-uploaded once, as part of the full sync). Must be called with the catalog's read lock held.
 *
 * <p>Shared: one mirror per thread (and bf16 flag) serves every operator that thread runs ({@link CatalogMirrors}),
 * so a stream thread with several tasks, each with a scorer and an updater, holds one device copy of the catalog,
 * not one per operator. It owns its buffers; uploads run on the calling operator's stream and are synchronised before
 * {@link #sync} returns, so another operator's stream reads them. A failed sync leaves the mirror marked for a full
 * re-upload.
 */
final class CatalogMirror implements AutoCloseable {
    private static final int SLAB_ROWS = 16_384;

    private final boolean bf16;
    private final CUfunction scatter;
    private ItemCatalog catalog;
    private long version = -1;
    private int dim;
    private int ld;
    private int capacity;
    private int size;
    private DeviceBuffer x;
    private DeviceBuffer x16;
    private DeviceBuffer valid;
    private DeviceBuffer dStage;
    private DeviceBuffer dRows;
    private DeviceBuffer dFlags;
    private PinnedBuffer stage;
    private PinnedBuffer rows;
    private PinnedBuffer flags;
    private int[] dirty = new int[0];
    private long rowsUploaded;

    CatalogMirror(CudaBackend backend, boolean bf16) {
        this.bf16 = bf16;
        this.scatter = backend.scoreModule().function("catalog_scatter");
    }

    boolean hasBf16() {
        return bf16;
    }

    static int paddedDim(int dim) {
        return (dim + 31) / 32 * 32;
    }

    /**
     * Brings the device copy up to date with {@code items} (read lock held by the caller), uploading on {@code op}'s
     * stream (context bound by the caller).
     */
    void sync(CudaOperator op, ItemCatalog items) {
        int n = items.size();
        boolean full = items != catalog || items.dim() != dim || n > capacity;
        if (!full && items.version() == version) {
            return;
        }
        if (full) {
            catalog = null; // until the upload below completes: a failure leaves the next sync a full one
            dim = items.dim();
            ld = paddedDim(dim);
            if (n > capacity || x == null || (long) capacity * ld * 4 > x.bytes()) {
                // headroom over the current size, so appends are promoted in place (incrementally)
                int cap = (int) Math.min(Integer.MAX_VALUE - 8L, Math.max(64L, (long) (Math.max(n, capacity) * CudaOperator.HEADROOM)));
                allocate(cap);
            }
        }
        if (dirty.length < n) {
            dirty = new int[Math.max(n, (int) Math.min(Integer.MAX_VALUE - 8L, (long) (dirty.length * CudaOperator.HEADROOM)))];
        }
        int m = 0;
        if (full) {
            for (int i = 0; i < n; i++) {
                dirty[m++] = i;
            }
        } else {
            long[] rv = items.rawRowVersions();
            for (int i = 0; i < n; i++) {
                if (rv[i] > version || i >= size) {
                    dirty[m++] = i;
                }
            }
        }
        upload(op, items, m);
        if (m > 0) {
            op.stream.synchronize("catalog upload"); // other operators of this thread read it on their own streams
        }
        size = n;
        version = items.version();
        catalog = items;
    }

    private void allocate(int cap) {
        x = free(x);
        x16 = free(x16);
        valid = free(valid);
        capacity = 0;
        size = 0;
        x = new DeviceBuffer((long) cap * ld * 4, "catalog.fp32");
        if (bf16) {
            x16 = new DeviceBuffer((long) cap * ld * 2, "catalog.bf16");
        }
        valid = new DeviceBuffer(cap, "catalog.active");
        capacity = cap;
    }

    /** Closes {@code b} (if any); returns null. */
    private static <T extends AutoCloseable> T free(T b) {
        if (b != null) {
            try {
                b.close();
            } catch (Exception e) {
                throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
            }
        }
        return null;
    }

    /** {@code cur} if it holds {@code bytes}, else a new device buffer with headroom (the old one is freed). */
    private static DeviceBuffer device(DeviceBuffer cur, long bytes, String name) {
        if (cur != null && cur.bytes() >= bytes) {
            return cur;
        }
        long size = Math.max(Math.max(bytes, 256), cur == null ? 0 : (long) (cur.bytes() * CudaOperator.HEADROOM));
        free(cur);
        return new DeviceBuffer(size, name);
    }

    private static PinnedBuffer pinned(PinnedBuffer cur, long bytes, String name) {
        if (cur != null && cur.bytes() >= bytes) {
            return cur;
        }
        long size = Math.min(Integer.MAX_VALUE, Math.max(Math.max(bytes, 256), cur == null ? 0 : (long) (cur.bytes() * CudaOperator.HEADROOM)));
        free(cur);
        return new PinnedBuffer(size, name);
    }

    /** Frees the device and pinned memory (context bound by the caller). */
    @Override
    public void close() {
        RuntimeException failure = null;
        for (AutoCloseable b : new AutoCloseable[] {x, x16, valid, dStage, dRows, dFlags, stage, rows, flags}) {
            try {
                free(b);
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        x = x16 = valid = dStage = dRows = dFlags = null;
        stage = rows = flags = null;
        catalog = null;
        capacity = 0;
        if (failure != null) {
            throw failure;
        }
    }

    private void upload(CudaOperator op, ItemCatalog items, int m) {
        if (m == 0) {
            return;
        }
        float[] emb = items.rawEmbeddings();
        boolean[] active = items.rawActive();
        int slab = Math.min(m, SLAB_ROWS);
        stage = pinned(stage, (long) slab * dim * 4, "catalog.stage");
        rows = pinned(rows, (long) slab * 4, "catalog.rows");
        flags = pinned(flags, slab, "catalog.flags");
        dStage = device(dStage, (long) slab * dim * 4, "catalog.dstage");
        dRows = device(dRows, (long) slab * 4, "catalog.drows");
        dFlags = device(dFlags, slab, "catalog.dflags");
        for (int s = 0; s < m; s += slab) {
            int c = Math.min(slab, m - s);
            if (s > 0) {
                op.stream.synchronize("catalog slab upload"); // the pinned slab is reused
            }
            ByteBuffer sb = stage.buffer();
            java.nio.FloatBuffer fb = sb.asFloatBuffer();
            java.nio.IntBuffer rb = rows.buffer().asIntBuffer();
            ByteBuffer flb = flags.buffer();
            for (int j = 0; j < c; j++) {
                int r = dirty[s + j];
                fb.put(j * dim, emb, r * dim, dim);
                rb.put(j, r);
                flb.put(j, (byte) (active[r] ? 1 : 0));
            }
            dStage.upload(stage, 0, 0, (long) c * dim * 4, op.stream);
            dRows.upload(rows, 0, 0, (long) c * 4, op.stream);
            dFlags.upload(flags, 0, 0, c, op.stream);
            long total = (long) c * ld;
            op.launch(scatter, "catalog_scatter", CudaOperator.blocks(total, 256), 1, 256, 0, "rows " + c + ", dim " + dim,
                    dStage, dRows, dFlags, c, dim, ld, x, x16, valid);
        }
        rowsUploaded += m;
    }

    int ld() {
        return ld;
    }

    DeviceBuffer fp32() {
        return x;
    }

    DeviceBuffer bf16() {
        return x16;
    }

    DeviceBuffer active() {
        return valid;
    }

    /** Rows copied to the device so far (for tests and metrics: incremental sync copies few). */
    long rowsUploaded() {
        return rowsUploaded;
    }
}
