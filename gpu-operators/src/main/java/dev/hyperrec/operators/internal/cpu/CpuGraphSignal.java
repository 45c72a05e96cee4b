package dev.hyperrec.operators.internal.cpu;

import dev.hyperrec.operators.GraphSignal;
import dev.hyperrec.operators.ItemCatalog;
import dev.hyperrec.operators.OperatorException;
import dev.hyperrec.operators.internal.BipartiteGraph;
import dev.hyperrec.operators.internal.OperatorChecks;
import dev.hyperrec.operators.internal.ResourceOwner;
import java.util.Arrays;

/**
 * The reference {@link GraphSignal}: each edge is applied at once (user sum, then the user's mean
 * change pushed to each of its earlier items' sums). Sums are kept in float, as on the device.
 * Thread affinity: confined to the task thread.
 */
final class CpuGraphSignal extends CpuOperator implements GraphSignal {
    private final BipartiteGraph graph = new BipartiteGraph();
    private int dim = -1;
    /** Per user: the sum of its items' embeddings. */
    private float[] userSum = new float[0];
    /** Per item: the sum of its users' mean vectors. */
    private float[] itemSum = new float[0];
    private float[] x = new float[0];
    private float[] delta = new float[0];

    CpuGraphSignal(ResourceOwner owner) {
        super(owner, "graph signal");
    }

    private void bind(ItemCatalog catalog) {
        if (dim < 0) {
            dim = catalog.dim();
            x = new float[dim];
            delta = new float[dim];
        } else if (catalog.dim() != dim) {
            throw new OperatorException("graph signal holds dimension " + dim + ", catalog has " + catalog.dim());
        }
    }

    @Override
    public void addEdge(ItemCatalog catalog, int user, int item) {
        checkOpen();
        bind(catalog);
        OperatorChecks.graphEdge(catalog, item);
        int d = graph.userDegree(user);
        if (!graph.add(user, item)) {
            return;
        }
        ensure(user, item);
        catalog.copyEmbedding(item, x, 0);
        int us = user * dim;
        for (int k = 0; k < dim; k++) {
            float old = d == 0 ? 0f : userSum[us + k] / d;
            userSum[us + k] += x[k];
            delta[k] = userSum[us + k] / (d + 1) - old;
        }
        int[] row = graph.itemsOf(user);
        for (int j = 0; j < d; j++) {
            int is = row[j] * dim;
            for (int k = 0; k < dim; k++) {
                itemSum[is + k] += delta[k];
            }
        }
        int is = item * dim;
        for (int k = 0; k < dim; k++) {
            itemSum[is + k] += userSum[us + k] / (d + 1);
        }
    }

    private void ensure(int user, int item) {
        if ((long) (user + 1) * dim > userSum.length) {
            userSum = Arrays.copyOf(userSum, Math.toIntExact(Math.max((long) (user + 1) * dim, 2L * userSum.length)));
        }
        if ((long) (item + 1) * dim > itemSum.length) {
            itemSum = Arrays.copyOf(itemSum, Math.toIntExact(Math.max((long) (item + 1) * dim, 2L * itemSum.length)));
        }
    }

    @Override
    public void rebuild(ItemCatalog catalog) {
        checkOpen();
        bind(catalog);
        Arrays.fill(userSum, 0f);
        Arrays.fill(itemSum, 0f);
        for (int u = 0; u < graph.users(); u++) {
            int d = graph.userDegree(u);
            int[] row = graph.itemsOf(u);
            int us = u * dim;
            for (int j = 0; j < d; j++) {
                catalog.copyEmbedding(row[j], x, 0);
                for (int k = 0; k < dim; k++) {
                    userSum[us + k] += x[k];
                }
            }
            for (int j = 0; j < d; j++) {
                int is = row[j] * dim;
                for (int k = 0; k < dim; k++) {
                    itemSum[is + k] += userSum[us + k] / d;
                }
            }
        }
    }

    @Override
    public void score(ItemCatalog catalog, int user, int[] items, int n, float[] out) {
        checkOpen();
        checkCount(n, items.length, out.length);
        int du = graph.userDegree(user);
        for (int j = 0; j < n; j++) {
            int dc = graph.itemDegree(items[j]);
            if (du == 0 || dc == 0) {
                out[j] = 0f;
                continue;
            }
            int us = user * dim;
            int is = items[j] * dim;
            float dot = 0f;
            for (int k = 0; k < dim; k++) {
                dot += userSum[us + k] * itemSum[is + k];
            }
            out[j] = dot / ((float) du * dc);
        }
    }

    @Override
    public long edges() {
        return graph.edges();
    }
}
