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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.Lock;
import jcuda.driver.CUfunction;

/**
 * The seeds' EMA update on the device, in place on a device-resident copy of the user table
 * ({@link DeviceUserRows}, attached to the {@link UserTable} as its device tier). Per batch: host-newer
 * rows (new users, restored rows) are promoted to the device first; the batch is grouped by user with a
 * stable counting sort on the host (each user's events keep their batch order) and uploaded in one
 * copy (segments, row indices, items, weights: 16 bytes an event at most); one thread block per user
 * applies that user's events in order (kernel {@code ema_update}); distinct users run in parallel.
 * Changed rows are marked device-newer in the table and cross the bus only when the host reads them
 * (one gather + download for all of them), and dirty, so the owner writes them back to the store once
 * per commit. Items are read from the device catalog mirror (incremental sync). Snapshots (the row right after
 * chosen events, for a caller that ranks between a user's events) are written by the same kernel and downloaded
 * with the same synchronisation: one round trip per batch however often a user repeats in it.
 *
 * <p>Results equal event-by-event application on this backend exactly (same kernel, same reduction
 * shape); against the CPU reference, the squared norm is summed in a different order, so rows may
 * differ in the last float bit (the contract's 2e-5 bound against double precision holds).
 * Thread affinity: one thread at a time (the tables' thread); binds the context at each call.
 */
final class CudaEmbeddingUpdater extends CudaOperator implements EmbeddingUpdater {
    /** The calling thread's shared device copy of the catalog, set at each call's sync. */
    private CatalogMirror mirror;
    /** Shared memory per block holds the row in double: 8 bytes x dim, below the 48 KiB default. */
    static final int MAX_DIM = 5_000;

    private final double alpha;
    private final CUfunction kernel;
    private final Map<UserTable, DeviceUserRows> tiers = new IdentityHashMap<>();
    private int[] slotOfUser = new int[0];
    private int[] distinct = new int[0];
    private int[] segCount = new int[0];
    private PinnedBuffer hBatch;
    private DeviceBuffer dBatch;
    private PinnedBuffer hSnap;
    private DeviceBuffer dSnap;
    private final CudaTimer timer = own(new CudaTimer());
    private float lastDeviceMillis;

    CudaEmbeddingUpdater(CudaBackend backend, EmbeddingUpdateConfig config) {
        super(backend, "embedding updater");
        this.alpha = config.alpha();
        this.kernel = backend.updateModule().function("ema_update");
    }

    /** Device time of the last call (batch upload and kernel; promotions of host-newer rows not included), in ms. */
    float lastDeviceMillis() {
        return lastDeviceMillis;
    }

    /** Device bytes held for {@code users}' rows (0 when it has no device tier here). */
    long deviceBytes(UserTable users) {
        DeviceUserRows t = tiers.get(users);
        return t == null ? 0 : t.deviceBytes();
    }

    void forget(UserTable table, DeviceUserRows tier) {
        tiers.remove(table, tier);
    }

    private DeviceUserRows tierFor(UserTable users) {
        DeviceUserRows t = tiers.get(users);
        if (t == null || users.tier() != t) {
            t = new DeviceUserRows(this, users.dim());
            tiers.put(users, t);
            users.attach(t);
        }
        return t;
    }

    @Override
    public void apply(UserTable users, ItemCatalog items, UpdateBatch batch) {
        apply(users, items, batch, null, null);
    }

    @Override
    public void apply(UserTable users, ItemCatalog items, UpdateBatch batch, int[] snapshotSlot, float[] out) {
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
        int slots;
        Lock lock = items.readLock();
        lock.lock();
        try {
            boolean[] active = items.rawActive();
            int itemCount = items.size();
            OperatorChecks.updateEntries(us, is, ws, n, userCount, active, itemCount);
            slots = OperatorChecks.snapshotSlots(snapshotSlot, out, n, dim);
            if (n == 0) {
                return;
            }
            enter();
            mirror = sharedMirror(false);
            mirror.sync(this, items);
        } finally {
            lock.unlock();
        }
        DeviceUserRows tier = tierFor(users);
        tier.push(users);
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
        // one upload: [segStart d+1][segRow d][item n][weight n] (+ [slot n] with snapshots)
        long segOff = 0;
        long rowOff = (long) (d + 1) * 4;
        long itemOff = rowOff + (long) d * 4;
        long weightOff = itemOff + (long) n * 4;
        long slotOff = weightOff + (long) n * 4;
        long bytes = slotOff + (slots > 0 ? (long) n * 4 : 0);
        hBatch = pinned(hBatch, bytes, "batch");
        IntBuffer all = hBatch.buffer().asIntBuffer();
        FloatBuffer wb = hBatch.buffer().asFloatBuffer();
        int segBase = 0;
        int rowBase = d + 1;
        int itemBase = rowBase + d;
        int weightBase = itemBase + n;
        int slotBase = weightBase + n;
        int pos = 0;
        for (int s = 0; s < d; s++) {
            all.put(segBase + s, pos);
            all.put(rowBase + s, distinct[s]);
            int c = segCount[s];
            segCount[s] = pos; // becomes the fill cursor
            pos += c;
        }
        all.put(segBase + d, pos);
        for (int e = 0; e < n; e++) {
            int s = slotOfUser[us[e]];
            int p = segCount[s]++;
            all.put(itemBase + p, is[e]);
            wb.put(weightBase + p, ws[e]);
            if (slots > 0) {
                all.put(slotBase + p, snapshotSlot[e]);
            }
        }
        for (int s = 0; s < d; s++) {
            slotOfUser[distinct[s]] = -1;
        }
        dBatch = device(dBatch, bytes, "batch");
        long snapBytes = (long) slots * dim * 4;
        if (slots > 0) {
            dSnap = device(dSnap, snapBytes, "snapshots");
            hSnap = pinned(hSnap, snapBytes, "snapshots");
        }
        timer.start(stream);
        dBatch.upload(hBatch, 0, 0, bytes, stream);
        int block = Math.min(256, Math.max(32, Integer.highestOneBit(Math.max(1, dim - 1)) << 1));
        launch(kernel, "ema_update", d, 1, block, (dim + 32) * 8, "users " + d + ", events " + n + ", dim " + dim,
                tier.rows(), dim, dBatch.at(segOff), dBatch.at(rowOff), dBatch.at(itemOff), dBatch.at(weightOff),
                mirror.fp32(), mirror.ld(), alpha, slots > 0 ? dBatch.at(slotOff) : null, slots > 0 ? dSnap : null);
        if (slots > 0) {
            dSnap.download(hSnap, 0, 0, snapBytes, stream);
        }
        timer.stop(stream);
        stream.synchronize("ema_update of " + n + " events, " + d + " users");
        lastDeviceMillis = timer.millis();
        if (slots > 0) {
            // only the chosen slots: the others of out stay as the caller left them
            FloatBuffer snaps = hSnap.buffer().asFloatBuffer();
            for (int e = 0; e < n; e++) {
                int slot = snapshotSlot[e];
                if (slot >= 0) {
                    snaps.get(slot * dim, out, slot * dim, dim);
                }
            }
        }
        for (int s = 0; s < d; s++) {
            users.markDeviceNewer(distinct[s]);
        }
    }

    /** Tables keep their rows: every device-newer row is pulled back before the device memory goes. */
    @Override
    void beforeClose() {
        RuntimeException failure = null;
        for (UserTable t : new ArrayList<>(tiers.keySet())) {
            try {
                if (t.tier() == tiers.get(t)) {
                    t.attach(null);   // syncs to the host, then detaches
                }
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        tiers.clear();
        if (failure != null) {
            throw failure;
        }
    }
}
