package dev.hyperrec.topology.rerank;

import dev.hyperrec.operators.OperatorBackend;
import dev.hyperrec.topology.HyperrecConfig;
import dev.hyperrec.topology.engine.RecommenderEngine;
import java.nio.file.Path;

/** Attaches the ranking stages the configuration turns on to a new {@link RecommenderEngine}. */
public final class RankingStages {
    private RankingStages() {
    }

    /**
     * The graph signal when {@link HyperrecConfig#RANK_WEIGHT_GRAPH} is non-zero, then the attention
     * reranker when {@link HyperrecConfig#RERANK_WEIGHTS_FILE} names a file (hot-swapped, see
     * {@link WeightsFile}).
     */
    public static void attach(RecommenderEngine engine, HyperrecConfig config, OperatorBackend backend) {
        float graphWeight = config.getFloat(HyperrecConfig.RANK_WEIGHT_GRAPH);
        if (graphWeight != 0f) {
            engine.addRankingStage(new GraphSignalStage(backend.newGraphSignal(), engine.catalog(), graphWeight));
        }
        String file = config.get(HyperrecConfig.RERANK_WEIGHTS_FILE).trim();
        if (!file.isEmpty()) {
            WeightsFile weights = new WeightsFile(Path.of(file), config.dim(), ContextFeatures.WIDTH,
                    config.getLong(HyperrecConfig.RERANK_CHECK_INTERVAL_MS));
            engine.addRankingStage(new AttentionStage(backend.newAttentionReranker(), engine.catalog(),
                    config.getInt(HyperrecConfig.RERANK_CANDIDATES), weights));
        }
    }
}
