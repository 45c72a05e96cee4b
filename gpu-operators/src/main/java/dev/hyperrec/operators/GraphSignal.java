package dev.hyperrec.operators;

/**
 * A parameter-free 2-hop graph signal over the user–item interaction graph: GraphSAGE's mean
 * aggregator (Hamilton, Ying &amp; Leskovec 2017) without its weight matrices, in the spirit of
 * LightGCN's weightless propagation (He et al. 2020). Layer 0 are the catalog's item embeddings
 * {@code x_i}; a user's layer-1 vector is the mean of its items, {@code a_u = (1/d_u) Σ_{i∈N(u)} x_i};
 * an item's layer-2 vector is the mean of its users' layer-1 vectors,
 * {@code h_c = (1/d_c) Σ_{u∈N(c)} a_u}; the signal is {@code g(u, c) = a_u · h_c} (0 when either
 * side has no edge). {@code h_c} describes an item by what its users consume, so an item reached
 * through co-consumption scores high even where its own embedding is weak (new or rarely rated
 * items).
 *
 * <p>Incremental: an edge {@code (u, i)} moves {@code a_u} by {@code δ}; every earlier item of
 * {@code u} gets {@code δ} added to its sum and {@code i} gets the new {@code a_u}: O(d_u · dim) per
 * edge, exact (sums commute, so backends may apply a batch of edges in any order; floats agree
 * within a relative 1e-4). Duplicate edges are ignored. {@link #rebuild} recomputes everything from
 * the edges when the catalog's embeddings changed (a model refresh). Users and items are dense
 * indices: users of the owner's table, items of the catalog.
 *
 * <p>Thread affinity: one thread (the owning task's).
 */
public interface GraphSignal extends AutoCloseable {

    /** Adds the edge {@code user – item} (a no-op when present), with the catalog's current embedding of {@code item}. */
    void addEdge(ItemCatalog catalog, int user, int item);

    /** Recomputes every aggregate from the edges and the catalog's current embeddings. */
    void rebuild(ItemCatalog catalog);

    /** Writes {@code g(user, items[j])} to {@code out[j]} for {@code j < n}. */
    void score(ItemCatalog catalog, int user, int[] items, int n, float[] out);

    /** Edges held. */
    long edges();

    @Override
    default void close() {
    }
}
