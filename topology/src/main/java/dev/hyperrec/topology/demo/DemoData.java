package dev.hyperrec.topology.demo;

import dev.hyperrec.avro.CatalogItem;
import dev.hyperrec.avro.InteractionEvent;
import java.util.List;
import java.util.Map;

/**
 * A catalog and an interaction stream to replay, with display names for items.
 *
 * @param source      where it came from (a path, or "synthetic")
 * @param dim         embedding dimension of the catalog
 * @param catalog     the items
 * @param events      interactions in replay order
 * @param titles      itemId → a readable name
 * @param clusterOf   itemId → planted cluster (synthetic data only, else empty)
 * @param userCluster userId → planted cluster (synthetic data only, else empty)
 */
public record DemoData(String source, int dim, List<CatalogItem> catalog, List<InteractionEvent> events,
        Map<String, String> titles, Map<String, Integer> clusterOf, Map<String, Integer> userCluster) {
}
