package dev.hyperrec.operators.internal.cuda;

import dev.hyperrec.operators.internal.OperatorChecks;

import dev.hyperrec.operators.EmbeddingUpdateConfig;
import dev.hyperrec.operators.EmbeddingUpdater;
import dev.hyperrec.operators.ItemCatalog;
import dev.hyperrec.operators.OperatorException;
import dev.hyperrec.operators.UpdateBatch;
import dev.hyperrec.operators.UserTable;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.locks.Lock;
import jcuda.driver.CUfunction;

/**
 * The seeds' EMA update on the device. The batch is grouped by user with a stable counting sort on
 * the host (each user's events keep their batch order), the touched rows are staged through pinned
 * memory, and one thread block per user applies that user's events in order (kernel
 * {@code ema_update}); distinct users run in parallel. Items are read from the device catalog mirror
 * (incremental sync). Rows are written back to the {@link UserTable} (the store) only after the device
 * finished, so a fault leaves the table untouched.
 *
 * <p>Results equal event-by-event application on this backend exactly (same kernel, same reduction
 * shape); against the CPU reference, the squared norm is summed in a different order, so rows may
 * differ in the last float bit (the contract's 2e-5 bound against double precision holds).
 * Thread affinity: one thread at a time; binds the context at each call.
 */
final class CudaEmbeddingUpdater extends CudaOperator implements EmbeddingUpdater {
    /** Shared memory per block holds the row in double: 8 bytes x dim, below the 48 KiB default. */
    static final int MAX_DIM = 5_000;

    private final double alpha;
    private final CUfunction kernel;
    private final CatalogMirror mirror;
    private int[] slotOfUser = new int[0];
    private int[] distinct = new int[0];
    private int[] segCount = new int[0];
    private PinnedBuffer hRows;
    private PinnedBuffer hSeg;
    private PinnedBuffer hItem;
    private PinnedBuffer hWeight;
    private DeviceBuffer dRows;
    private DeviceBuffer dSeg;
    private DeviceBuffer dItem;
    private DeviceBuffer dWeight;
    private final CudaTimer timer = own(new CudaTimer());
    private float lastDeviceMillis;

    CudaEmbeddingUpdater(CudaBackend backend, EmbeddingUpdateConfig config) {
        super(backend, "embedding updater");
        this.alpha = config.alpha();
        this.kernel = backend.updateModule().function("ema_update");
        this.mirror = new CatalogMirror(this, false);
    }

    /** Device time of the last call (uploads, kernel, download), in ms. */
    float lastDeviceMillis() {
        return lastDeviceMillis;
    }

    @Override
    public void apply(UserTable users, ItemCatalog items, UpdateBatch batch) {
        checkOpen();
        Objects.requireNonNull(users, "users");
        Objects.requireNonNull(items, "items");
        Objects.requireNonNull(batch, "batch");
        int dim = users.dim();
        if (items.dim() != dim) {
            throw new OperatorException("user table has dimension " + dim + ", item catalog " + items.dim());
        }
        if (dim > MAX_DIM) {
            throw new OperatorException("dimension " + dim + " exceeds the CUDA updater's limit " + MAX_DIM);
        }
        int n = batch.size();
        int[] us = batch.usersArray();
        int[] is = batch.itemsArray();
        float[] ws = batch.weightsArray();
        int userCount = users.size();
        Lock lock = items.readLock();
        lock.lock();
        try {
            boolean[] active = items.rawActive();
            int itemCount = items.size();
            OperatorChecks.updateEntries(us, is, ws, n, userCount, active, itemCount);
            if (n == 0) {
                return;
            }
            enter();
            mirror.sync(items);
        } finally {
            lock.unlock();
        }
        // stable counting sort by user: slot per distinct user in first-appearance order
        if (slotOfUser.length < userCount) {
            int[] grown = new int[Math.max(userCount, (int) Math.min(Integer.MAX_VALUE - 8L, (long) (slotOfUser.length * HEADROOM)))];
            Arrays.fill(grown, -1);
            slotOfUser = grown;
        }
        if (distinct.length < n) {
            distinct = new int[Math.max(n, (int) Math.min(Integer.MAX_VALUE - 8L, (long) (distinct.length * HEADROOM)))];
            segCount = new int[distinct.length + 1];
        }
        int d = 0;
        for (int e = 0; e < n; e++) {
            int u = us[e];
            int s = slotOfUser[u];
            if (s < 0) {
                s = d++;
                slotOfUser[u] = s;
                distinct[s] = u;
                segCount[s] = 0;
            }
            segCount[s]++;
        }
        hRows = pinned(hRows, (long) d * dim * 4, "rows");
        hSeg = pinned(hSeg, (long) (d + 1) * 4, "segments");
        hItem = pinned(hItem, (long) n * 4, "items");
        hWeight = pinned(hWeight, (long) n * 4, "weights");
        IntBuffer seg = hSeg.buffer().asIntBuffer();
        int pos = 0;
        for (int s = 0; s < d; s++) {
            seg.put(s, pos);
            int c = segCount[s];
            segCount[s] = pos; // becomes the fill cursor
            pos += c;
        }
        seg.put(d, pos);
        IntBuffer ib = hItem.buffer().asIntBuffer();
        FloatBuffer wb = hWeight.buffer().asFloatBuffer();
        for (int e = 0; e < n; e++) {
            int s = slotOfUser[us[e]];
            int p = segCount[s]++;
            ib.put(p, is[e]);
            wb.put(p, ws[e]);
        }
        FloatBuffer rb = hRows.buffer().asFloatBuffer();
        float[] raw = users.raw();
        for (int s = 0; s < d; s++) {
            rb.put(s * dim, raw, distinct[s] * dim, dim);
        }
        try {
            dRows = device(dRows, (long) d * dim * 4, "rows");
            dSeg = device(dSeg, (long) (d + 1) * 4, "segments");
            dItem = device(dItem, (long) n * 4, "items");
            dWeight = device(dWeight, (long) n * 4, "weights");
            timer.start(stream);
            dRows.upload(hRows, 0, 0, (long) d * dim * 4, stream);
            dSeg.upload(hSeg, 0, 0, (long) (d + 1) * 4, stream);
            dItem.upload(hItem, 0, 0, (long) n * 4, stream);
            dWeight.upload(hWeight, 0, 0, (long) n * 4, stream);
            int block = Math.min(256, Math.max(32, Integer.highestOneBit(Math.max(1, dim - 1)) << 1));
            launch(kernel, "ema_update", d, 1, block, (dim + 32) * 8, "users " + d + ", events " + n + ", dim " + dim,
                    dRows, dim, dSeg, dItem, dWeight, mirror.fp32(), mirror.ld(), alpha);
            dRows.download(hRows, 0, 0, (long) d * dim * 4, stream);
            timer.stop(stream);
            stream.synchronize("ema_update of " + n + " events, " + d + " users");
            lastDeviceMillis = timer.millis();
        } finally {
            for (int s = 0; s < d; s++) {
                slotOfUser[distinct[s]] = -1;
            }
        }
        for (int s = 0; s < d; s++) {
            rb.get(s * dim, raw, distinct[s] * dim, dim);
            users.markDirty(distinct[s]);
        }
    }
}
