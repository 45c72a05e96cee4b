package dev.hyperrec.topology.rerank;

import dev.hyperrec.operators.GraphSignal;
import dev.hyperrec.operators.ItemCatalog;
import dev.hyperrec.topology.engine.PendingEvent;
import dev.hyperrec.topology.engine.RankingStage;
import java.util.concurrent.locks.Lock;

/**
 * The 2-hop graph signal as a ranking stage: every positive interaction (learning weight &gt; 0) is
 * an edge of the user–item graph, added to the {@link GraphSignal} operator in partition order;
 * each list's candidate {@code c} gets {@code weight · g(user, c)}. When catalog rows that carry
 * edges change (a model refresh), the aggregates are rebuilt from the edges before the next use.
 *
 * <p>The graph is model data held in memory, like the attached item-to-item model: a restarted task
 * starts with an empty graph (it is not in the stores). Thread affinity: the owning task's.
 */
public final class GraphSignalStage implements RankingStage {
    private final GraphSignal graph;
    private final ItemCatalog catalog;
    private final float weight;
    private long catalogVersion;
    private int itemsWithEdges;
    private float[] buffer = new float[0];
    private long nanos;

    public GraphSignalStage(GraphSignal graph, ItemCatalog catalog, float weight) {
        this.graph = graph;
        this.catalog = catalog;
        this.weight = weight;
        this.catalogVersion = catalog.version();
    }

    /** Rebuilds when a catalog row that may carry an edge changed since the last check (appends alone do not). */
    private void syncWithCatalog() {
        long v = catalog.version();
        if (v == catalogVersion) {
            return;
        }
        boolean changed = false;
        Lock lock = catalog.readLock();
        lock.lock();
        try {
            long[] rows = catalog.rawRowVersions();
            int n = Math.min(itemsWithEdges, catalog.size());
            for (int i = 0; i < n && !changed; i++) {
                changed = rows[i] > catalogVersion;
            }
        } finally {
            lock.unlock();
        }
        catalogVersion = v;
        if (changed) {
            graph.rebuild(catalog);
        }
    }

    @Override
    public void observe(PendingEvent event, int user, int item, float w) {
        if (item < 0 || !(w > 0f)) {
            return;
        }
        long t0 = System.nanoTime();
        syncWithCatalog();
        graph.addEdge(catalog, user, item);
        itemsWithEdges = Math.max(itemsWithEdges, item + 1);
        nanos += System.nanoTime() - t0;
    }

    @Override
    public void adjust(Candidates list) {
        long t0 = System.nanoTime();
        syncWithCatalog();
        if (buffer.length < list.size) {
            buffer = new float[list.size];
        }
        graph.score(catalog, list.user, list.items, list.size, buffer);
        for (int j = 0; j < list.size; j++) {
            list.total[j] += weight * buffer[j];
        }
        nanos += System.nanoTime() - t0;
    }

    @Override
    public long nanos() {
        return nanos;
    }

    @Override
    public void close() {
        graph.close();
    }
}
