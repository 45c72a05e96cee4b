package dev.hyperrec.topology.rerank;

import dev.hyperrec.operators.MixtureOfLogits;
import dev.hyperrec.operators.OperatorBackend;
import dev.hyperrec.operators.Scorer;
import java.io.IOException;
import java.io.UncheckedIOException;
import dev.hyperrec.topology.HyperrecConfig;
import dev.hyperrec.topology.engine.RecommenderEngine;
import java.nio.file.Path;

/** The configurable parts of a new {@link RecommenderEngine}'s ranking: its scorer and its ranking stages. */
public final class RankingStages {
    private RankingStages() {
    }

    /**
     * The graph signal when {@link HyperrecConfig#RANK_WEIGHT_GRAPH} is non-zero, then the attention
     * reranker when {@link HyperrecConfig#RERANK_WEIGHTS_FILE} names a file (hot-swapped, see
     * {@link WeightsFile}).
     */
    /**
     * The personal scorer: the dot product, or the Mixture-of-Logits similarity read from
     * {@link HyperrecConfig#SCORER_MOL_WEIGHTS} (a file that cannot be read, or of another
     * dimension, fails the engine's construction with the reason).
     */
    public static Scorer scorer(HyperrecConfig config, OperatorBackend backend) {
        String file = config.get(HyperrecConfig.SCORER_MOL_WEIGHTS).trim();
        if (file.isEmpty()) {
            return backend.newScorer();
        }
        MixtureOfLogits w;
        try {
            w = MixtureOfLogits.read(Path.of(file));
        } catch (IOException e) {
            throw new UncheckedIOException(HyperrecConfig.SCORER_MOL_WEIGHTS + " = " + file + ": " + e.getMessage(), e);
        }
        if (w.dim() != config.dim()) {
            throw new IllegalArgumentException(HyperrecConfig.SCORER_MOL_WEIGHTS + " = " + file + " has dimension " + w.dim()
                    + ", " + HyperrecConfig.EMBEDDING_DIM + " is " + config.dim());
        }
        return backend.newMixtureOfLogitsScorer(w);
    }

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
