package dev.hyperrec.topology;

import java.util.List;

/** Topic names shared by {@code main()}, the demo, the tools and the tests. See docs/topics.md. */
public final class Topics {
    /** User interactions (Avro {@code InteractionEvent}, key = userId). */
    public static final String INTERACTIONS = "interactions";
    /** The item catalog (Avro {@code CatalogItem}, key = itemId, compacted; a tombstone deletes). */
    public static final String CATALOG = "catalog";
    /** Optional explicit requests (Avro {@code RecommendationRequest}, key = userId). */
    public static final String REQUESTS = "recommendation-requests";
    /** Ranked lists (Avro {@code Recommendations}, key = userId, compacted). */
    public static final String RECOMMENDATIONS = "recommendations";
    /** Records that could not be processed, raw, with the reason in headers. */
    public static final String INTERACTIONS_DLQ = "interactions-dlq";
    /** Co-occurrence increments of the item-to-item model (binary, key = 8-byte item key); app-internal. */
    public static final String ITEM_COOCCURRENCE = "item-cooccurrence";
    /** Each item's top neighbours (binary, key = 8-byte item key, compacted); read by every instance. */
    public static final String ITEM_NEIGHBOURS = "item-neighbours";

    public static final List<String> ALL = List.of(INTERACTIONS, CATALOG, REQUESTS, RECOMMENDATIONS, INTERACTIONS_DLQ,
            ITEM_COOCCURRENCE, ITEM_NEIGHBOURS);

    private Topics() {
    }
}
