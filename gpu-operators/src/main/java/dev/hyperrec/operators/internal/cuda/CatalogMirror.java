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
 */
final class CatalogMirror {
    private static final int SLAB_ROWS = 16_384;

    private final CudaOperator op;
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

    CatalogMirror(CudaOperator op, boolean bf16) {
        this.op = op;
        this.bf16 = bf16;
        this.scatter = op.backend.scoreModule().function("catalog_scatter");
    }

    static int paddedDim(int dim) {
        return (dim + 31) / 32 * 32;
    }

    /** Brings the device copy up to date with {@code items} (read lock held by the caller). */
    void sync(ItemCatalog items) {
        int n = items.size();
        boolean full = items != catalog || items.dim() != dim || n > capacity;
        if (!full && items.version() == version) {
            return;
        }
        if (full) {
            dim = items.dim();
            ld = paddedDim(dim);
            if (n > capacity || x == null) {
                // headroom over the current size, so appends are promoted in place (incrementally)
                int cap = (int) Math.min(Integer.MAX_VALUE - 8L, Math.max(64L, (long) (Math.max(n, capacity) * CudaOperator.HEADROOM)));
                allocate(cap);
            }
            catalog = items;
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
        upload(items, m);
        size = n;
        version = items.version();
    }

    private void allocate(int cap) {
        if (x != null) {
            op.drop(x);
            x = null;
        }
        if (x16 != null) {
            op.drop(x16);
            x16 = null;
        }
        if (valid != null) {
            op.drop(valid);
            valid = null;
        }
        x = op.own(new DeviceBuffer((long) cap * ld * 4, "catalog.fp32"));
        if (bf16) {
            x16 = op.own(new DeviceBuffer((long) cap * ld * 2, "catalog.bf16"));
        }
        valid = op.own(new DeviceBuffer(cap, "catalog.active"));
        capacity = cap;
        size = 0;
    }

    private void upload(ItemCatalog items, int m) {
        if (m == 0) {
            return;
        }
        float[] emb = items.rawEmbeddings();
        boolean[] active = items.rawActive();
        int slab = Math.min(m, SLAB_ROWS);
        stage = op.pinned(stage, (long) slab * dim * 4, "catalog.stage");
        rows = op.pinned(rows, (long) slab * 4, "catalog.rows");
        flags = op.pinned(flags, slab, "catalog.flags");
        dStage = op.device(dStage, (long) slab * dim * 4, "catalog.dstage");
        dRows = op.device(dRows, (long) slab * 4, "catalog.drows");
        dFlags = op.device(dFlags, slab, "catalog.dflags");
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
