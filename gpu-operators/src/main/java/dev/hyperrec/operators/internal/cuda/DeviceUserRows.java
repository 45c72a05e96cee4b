package dev.hyperrec.operators.internal.cuda;

import dev.hyperrec.operators.UserTable;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import jcuda.driver.CUfunction;

/**
 * The device tier of one {@link UserTable}: its rows in device memory (fp32, row-major, {@code dim}
 * floats a row), updated in place by {@link CudaEmbeddingUpdater}'s kernel. Capacity is allocated up
 * front with headroom ({@value #HEADROOM_NUM}/{@value #HEADROOM_DEN} of the rows at first sight, at
 * least the table's size; growth copies the old rows device-to-device). Host-newer rows (new users,
 * restored rows) are promoted in slabs through pinned memory and scattered by a kernel
 * ({@code rows_scatter}); device-newer rows go back the same way when the host reads
 * ({@code rows_gather}, one download per slab). No allocation per batch once capacity is reached.
 *
 * <p>Owned by the updater (its buffers are the updater's resources); thread affinity: the table's.
 */
final class DeviceUserRows implements UserTable.DeviceTier {
    static final int HEADROOM_NUM = 5;
    static final int HEADROOM_DEN = 4;
    static final int SLAB_ROWS = 8_192;

    private final CudaEmbeddingUpdater op;
    private final int dim;
    private final CUfunction scatter;
    private final CUfunction gather;
    private DeviceBuffer rows;
    private long capacity;
    private PinnedBuffer hStage;
    private PinnedBuffer hIdx;
    private DeviceBuffer dStage;
    private DeviceBuffer dIdx;
    private int[] list = new int[0];
    private boolean detached;

    DeviceUserRows(CudaEmbeddingUpdater op, int dim) {
        this.op = op;
        this.dim = dim;
        this.scatter = op.backend.updateModule().function("rows_scatter");
        this.gather = op.backend.updateModule().function("rows_gather");
    }

    DeviceBuffer rows() {
        return rows;
    }

    long deviceBytes() {
        return rows == null ? 0 : rows.bytes();
    }

    /** Makes room for every row of the table and uploads the host-newer ones (context bound by the caller). */
    void push(UserTable table) {
        if (detached) {
            throw new IllegalStateException("device tier was detached");
        }
        int size = table.size();
        if (size > capacity) {
            grow(size);
        }
        int n = table.hostNewerCount();
        if (n == 0) {
            return;
        }
        if (list.length < n) {
            list = new int[n];
        }
        int[] cursor = {0};
        int[] l = list;
        table.forEachHostNewer(r -> l[cursor[0]++] = r);
        for (int from = 0; from < n; from += SLAB_ROWS) {
            int m = Math.min(SLAB_ROWS, n - from);
            stage(m);
            FloatBuffer fb = hStage.buffer().asFloatBuffer();
            IntBuffer ib = hIdx.buffer().asIntBuffer();
            for (int j = 0; j < m; j++) {
                int r = l[from + j];
                ib.put(j, r);
                fb.put(j * dim, table.hostPage(r), table.offset(r), dim);
            }
            dIdx.upload(hIdx, 0, 0, (long) m * 4, op.stream);
            dStage.upload(hStage, 0, 0, (long) m * dim * 4, op.stream);
            op.launch(scatter, "rows_scatter", CudaOperator.blocks((long) m * dim, 256), 1, 256, 0,
                    "rows " + m + ", dim " + dim, rows, dim, dIdx, dStage, m);
            op.stream.synchronize("rows_scatter of " + m + " rows");  // the pinned slab is reused
        }
        table.clearHostNewer();
    }

    @Override
    public void pull(UserTable table, int[] rowIdx, int first, int n) {
        if (detached) {
            throw new IllegalStateException("device tier was detached");
        }
        op.enter();
        for (int from = first; from < first + n; from += SLAB_ROWS) {
            int m = Math.min(SLAB_ROWS, first + n - from);
            stage(m);
            hIdx.buffer().asIntBuffer().put(0, rowIdx, from, m);
            dIdx.upload(hIdx, 0, 0, (long) m * 4, op.stream);
            op.launch(gather, "rows_gather", CudaOperator.blocks((long) m * dim, 256), 1, 256, 0,
                    "rows " + m + ", dim " + dim, rows, dim, dIdx, dStage, m);
            dStage.download(hStage, 0, 0, (long) m * dim * 4, op.stream);
            op.stream.synchronize("rows_gather of " + m + " rows");
            FloatBuffer fb = hStage.buffer().asFloatBuffer();
            for (int j = 0; j < m; j++) {
                int r = rowIdx[from + j];
                fb.get(j * dim, table.hostPage(r), table.offset(r), dim);
            }
        }
    }

    @Override
    public void detached(UserTable table) {
        if (detached) {
            return;
        }
        detached = true;
        op.forget(table, this);
        for (AutoCloseable r : new AutoCloseable[] {rows, dStage, dIdx, hStage, hIdx}) {
            if (r != null) {
                op.drop(r);
            }
        }
        rows = null;
        capacity = 0;
    }

    private void stage(int m) {
        hStage = op.pinned(hStage, (long) Math.min(SLAB_ROWS, Math.max(m, 1)) * dim * 4, "user rows staging");
        hIdx = op.pinned(hIdx, (long) SLAB_ROWS * 4, "user row indices");
        dStage = op.device(dStage, (long) Math.min(SLAB_ROWS, Math.max(m, 1)) * dim * 4, "user rows staging");
        dIdx = op.device(dIdx, (long) SLAB_ROWS * 4, "user row indices");
    }

    private void grow(int size) {
        long cap = Math.max(Math.max(1_024L, (long) size * HEADROOM_NUM / HEADROOM_DEN), (long) (capacity * CudaOperator.HEADROOM));
        if (cap > Integer.MAX_VALUE) {
            cap = Integer.MAX_VALUE;
        }
        long bytes = Math.multiplyExact(Math.multiplyExact(cap, (long) dim), 4L);
        DeviceBuffer grown;
        try {
            grown = op.own(new DeviceBuffer(bytes, "embedding updater.user rows"));
        } catch (CudaException e) {
            if (cap > size) {   // no room for the headroom: take exactly what is needed
                cap = size;
                grown = op.own(new DeviceBuffer((long) size * dim * 4, "embedding updater.user rows"));
            } else {
                throw e;
            }
        }
        if (rows != null) {
            // every row the device holds is either device-newer or equal to the host's: keep them all
            grown.copyFrom(rows, Math.min(rows.bytes(), grown.bytes()), op.stream);
            op.stream.synchronize("user rows growth");
            op.drop(rows);
        }
        rows = grown;
        capacity = cap;
    }
}
