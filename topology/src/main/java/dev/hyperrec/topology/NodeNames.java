package dev.hyperrec.topology;

/** Processor node names of the topology. */
public final class NodeNames {
    public static final String INTERACTIONS_SOURCE = "interactions-source";
    public static final String REQUESTS_SOURCE = "requests-source";
    public static final String CATALOG_SOURCE = "catalog-source";
    public static final String CATALOG_PROCESSOR = "catalog-processor";
    public static final String BATCHING_PROCESSOR = "batching-processor";
    public static final String RECOMMENDATIONS_SINK = "recommendations-sink";
    public static final String DLQ_SINK = "dlq-sink";
    public static final String COOCCURRENCE_SINK = "cooccurrence-sink";
    public static final String COOCCURRENCE_SOURCE = "cooccurrence-source";
    public static final String NEIGHBOUR_AGGREGATOR = "neighbour-aggregator";
    public static final String NEIGHBOURS_SINK = "neighbours-sink";
    public static final String COOCCURRENCE_DLQ_SINK = "cooccurrence-dlq-sink";
    public static final String NEIGHBOURS_SOURCE = "neighbours-source";
    public static final String NEIGHBOURS_PROCESSOR = "neighbours-processor";

    private NodeNames() {
    }
}
