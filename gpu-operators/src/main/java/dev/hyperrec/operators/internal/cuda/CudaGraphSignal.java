package dev.hyperrec.operators.internal.cuda;

import dev.hyperrec.operators.GraphSignal;
import dev.hyperrec.operators.ItemCatalog;
import dev.hyperrec.operators.OperatorException;
import dev.hyperrec.operators.internal.BipartiteGraph;
import dev.hyperrec.operators.internal.OperatorChecks;
import java.nio.IntBuffer;
import java.util.Arrays;
import java.util.concurrent.locks.Lock;
import jcuda.driver.CUfunction;
import jcuda.driver.JCudaDriver;

/**
 * {@link GraphSignal} on the device: the user and item sums live in device memory; the edges stay on
 * the host ({@link BipartiteGraph}, for degrees and duplicate checks). Edges are buffered and applied
 * lazily, all at once, before the next score or rebuild ({@code graph_add_edges}: one block per user
 * with pending edges, its edges in insertion order); since the sums commute this equals the CPU
 * reference's edge-at-a-time order within float tolerance. Only the touched users' item lists cross
 * the bus. Thread affinity: one thread at a time; binds the context at each call.
 */
final class CudaGraphSignal extends CudaOperator implements GraphSignal {
    /** The calling thread's shared device copy of the catalog, set at each call's sync. */
    private CatalogMirror mirror;
    private static final int BLOCK = 32;

    private final BipartiteGraph graph = new BipartiteGraph();
    private final CUfunction addEdges;
    private final CUfunction rebuildKernel;
    private final CUfunction scoreKernel;
    private int dim = -1;
    private DeviceBuffer userSum;
    private DeviceBuffer itemSum;
    private long userRows;
    private long itemRows;
    /** Pending edges' users in first-appearance order and how many edges each has pending. */
    private int[] pendingUsers = new int[16];
    private int pendingCount;
    private int[] pendingPerUser = new int[16];
    private PinnedBuffer hSeg;
    private DeviceBuffer dSeg;
    private PinnedBuffer hNbr;
    private DeviceBuffer dNbr;
    private PinnedBuffer hOut;
    private DeviceBuffer dOut;

    CudaGraphSignal(CudaBackend backend) {
        super(backend, "graph signal");
        this.addEdges = backend.rerankModule().function("graph_add_edges");
        this.rebuildKernel = backend.rerankModule().function("graph_rebuild");
        this.scoreKernel = backend.rerankModule().function("graph_score");
    }

    private void bind(ItemCatalog catalog) {
        if (dim < 0) {
            dim = catalog.dim();
        } else if (catalog.dim() != dim) {
            throw new OperatorException("graph signal holds dimension " + dim + ", catalog has " + catalog.dim());
        }
    }

    @Override
    public void addEdge(ItemCatalog catalog, int user, int item) {
        checkOpen();
        bind(catalog);
        OperatorChecks.graphEdge(catalog, item);
        if (!graph.add(user, item)) {
            return;
        }
        if (user >= pendingPerUser.length) {
            pendingPerUser = Arrays.copyOf(pendingPerUser, Math.max(user + 1, 2 * pendingPerUser.length));
        }
        if (pendingPerUser[user]++ == 0) {
            if (pendingCount == pendingUsers.length) {
                pendingUsers = Arrays.copyOf(pendingUsers, 2 * pendingCount);
            }
            pendingUsers[pendingCount++] = user;
        }
    }

    /** Grows a sum buffer to {@code rows} rows (with headroom), keeping its contents and zeroing the rest. */
    private DeviceBuffer grow(DeviceBuffer cur, long curRows, long rows, String name) {
        long want = Math.max(rows, (long) (curRows * HEADROOM));
        long bytes = Math.max(want, 64) * dim * 4;
        DeviceBuffer next = own(new DeviceBuffer(bytes, "graph." + name));
        Cuda.check(JCudaDriver.cuMemsetD32Async(next.ptr(), 0, bytes / 4, stream.handle()), "cuMemsetD32Async", "graph." + name);
        if (cur != null) {
            next.copyFrom(cur, curRows * dim * 4, stream);
            stream.synchronize("graph." + name + " growth copy");
            drop(cur);
        }
        return next;
    }

    private void ensureCapacity() {
        long users = Math.max(1, graph.users());
        long items = Math.max(1, graph.items());
        if (userSum == null || users > userRows) {
            long rows = Math.max(users, (long) (userRows * HEADROOM));
            userSum = grow(userSum, userRows, rows, "userSum");
            userRows = Math.max(rows, 64);
        }
        if (itemSum == null || items > itemRows) {
            long rows = Math.max(items, (long) (itemRows * HEADROOM));
            itemSum = grow(itemSum, itemRows, rows, "itemSum");
            itemRows = Math.max(rows, 64);
        }
    }

    /** Launches one kernel over the users' segments: with {@code pendingOnly}, the pending edges; else every edge. */
    private void launchSegments(int[] users, int count, boolean pendingOnly) {
        long nbrTotal = 0;
        for (int b = 0; b < count; b++) {
            nbrTotal += graph.userDegree(users[b]);
        }
        if (count == 0) {
            return;
        }
        long segBytes = (long) count * 16;
        hSeg = pinned(hSeg, segBytes, "segments");
        dSeg = device(dSeg, segBytes, "segments");
        hNbr = pinned(hNbr, Math.max(4, nbrTotal * 4), "neighbours");
        dNbr = device(dNbr, Math.max(4, nbrTotal * 4), "neighbours");
        IntBuffer seg = hSeg.buffer().asIntBuffer();
        IntBuffer nb = hNbr.buffer().asIntBuffer();
        int off = 0;
        for (int b = 0; b < count; b++) {
            int u = users[b];
            int d = graph.userDegree(u);
            int added = pendingOnly ? pendingPerUser[u] : d;
            seg.put(b, u);
            seg.put(count + b, off);
            // graph_add_edges reads the degree before the pending edges, graph_rebuild the whole degree
            seg.put(2 * count + b, pendingOnly ? d - added : d);
            seg.put(3 * count + b, added);
            nb.put(off, graph.itemsOf(u), 0, d);
            off += d;
        }
        dSeg.upload(hSeg, 0, 0, segBytes, stream);
        dNbr.upload(hNbr, 0, 0, (long) off * 4, stream);
        String sizes = "users " + count + ", neighbours " + off + ", dim " + dim;
        if (pendingOnly) {
            launch(addEdges, "graph_add_edges", count, 1, BLOCK, 0, sizes, mirror.fp32(), mirror.ld(), dim, userSum, itemSum,
                    dSeg, dSeg.at((long) count * 4), dSeg.at((long) count * 8), dSeg.at((long) count * 12), dNbr);
        } else {
            launch(rebuildKernel, "graph_rebuild", count, 1, BLOCK, 0, sizes, mirror.fp32(), mirror.ld(), dim, userSum, itemSum,
                    dSeg, dSeg.at((long) count * 4), dSeg.at((long) count * 8), dNbr);
        }
        stream.synchronize("graph segments of " + count + " users");
    }

    /** Applies the pending edges (catalog read lock held). */
    private void flush(ItemCatalog catalog) {
        if (pendingCount == 0) {
            return;
        }
        mirror = sharedMirror(false);
        mirror.sync(this, catalog);
        ensureCapacity();
        launchSegments(pendingUsers, pendingCount, true);
        for (int b = 0; b < pendingCount; b++) {
            pendingPerUser[pendingUsers[b]] = 0;
        }
        pendingCount = 0;
    }

    @Override
    public void rebuild(ItemCatalog catalog) {
        enter();
        bind(catalog);
        Lock lock = catalog.readLock();
        lock.lock();
        try {
            mirror = sharedMirror(false);
            mirror.sync(this, catalog);
            ensureCapacity();
            Cuda.check(JCudaDriver.cuMemsetD32Async(userSum.ptr(), 0, userSum.bytes() / 4, stream.handle()), "cuMemsetD32Async", "graph.userSum");
            Cuda.check(JCudaDriver.cuMemsetD32Async(itemSum.ptr(), 0, itemSum.bytes() / 4, stream.handle()), "cuMemsetD32Async", "graph.itemSum");
            int[] all = new int[graph.users()];
            int m = 0;
            for (int u = 0; u < graph.users(); u++) {
                if (graph.userDegree(u) > 0) {
                    all[m++] = u;
                }
            }
            for (int b = 0; b < pendingCount; b++) {
                pendingPerUser[pendingUsers[b]] = 0;
            }
            pendingCount = 0;
            launchSegments(all, m, false);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void score(ItemCatalog catalog, int user, int[] items, int n, float[] out) {
        enter();
        OperatorChecks.count(n, items.length, out.length);
        if (n == 0) {
            return;
        }
        int du = graph.userDegree(user);
        if (du == 0 || dim < 0) {
            Arrays.fill(out, 0, n, 0f);
            return;
        }
        Lock lock = catalog.readLock();
        lock.lock();
        try {
            flush(catalog);
        } finally {
            lock.unlock();
        }
        long bytes = (long) n * 8;
        hSeg = pinned(hSeg, bytes, "segments");
        dSeg = device(dSeg, bytes, "segments");
        hOut = pinned(hOut, (long) n * 4, "scores");
        dOut = device(dOut, (long) n * 4, "scores");
        IntBuffer b = hSeg.buffer().asIntBuffer();
        b.put(0, items, 0, n);
        for (int j = 0; j < n; j++) {
            // an item past the sums' rows has no edge: degree 0 keeps the kernel from reading it
            b.put(n + j, graph.itemDegree(items[j]));
        }
        dSeg.upload(hSeg, 0, 0, bytes, stream);
        launch(scoreKernel, "graph_score", blocks(n, 128), 1, 128, 0, "candidates " + n + ", dim " + dim,
                userSum, itemSum, dim, user, du, dSeg, dSeg.at((long) n * 4), n, dOut);
        dOut.download(hOut, 0, 0, (long) n * 4, stream);
        stream.synchronize("graph_score of " + n + " candidates");
        hOut.buffer().asFloatBuffer().get(0, out, 0, n);
    }

    @Override
    public long edges() {
        return graph.edges();
    }
}
