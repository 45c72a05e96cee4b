package dev.hyperrec.topology.engine;

/**
 * A stage of the final ranking after the engine's base score (personal, similar, bandit,
 * popularity): a model attached to a {@link RecommenderEngine} that sees every event in partition
 * order and adjusts each list's candidate scores, e.g. the 2-hop graph signal or the attention
 * reranker. Stages are called from the owning task thread only and must be deterministic.
 */
public interface RankingStage extends AutoCloseable {

    /** One list's candidates: scores are adjusted in place; a stage may attach per-item explanations. */
    final class Candidates {
        /** The triggering event or request. */
        public final PendingEvent event;
        /** The user's dense index in the engine's user table. */
        public final int user;
        /** The query the list was scored with (the user vector, fused with a request's query); all zeros for a user without one. */
        public final float[] query;
        /** Catalog indices of the candidates. */
        public final int[] items;
        /** Scores so far, higher first; stages add to them. */
        public final float[] total;
        /** Per candidate: an explanation (e.g. attention weight per head), or null. */
        public final float[][] explanation;
        public final int size;

        public Candidates(PendingEvent event, int user, float[] query, int[] items, float[] total, float[][] explanation, int size) {
            this.event = event;
            this.user = user;
            this.query = query;
            this.items = items;
            this.total = total;
            this.explanation = explanation;
            this.size = size;
        }
    }

    /**
     * Called for every interaction of a flush, in partition order, after the engine applied it and
     * before the list it triggers (if any) is ranked.
     *
     * @param item   the catalog index of the event's item, -1 when the catalog lacks it
     * @param weight the event's learning weight (positive for positive feedback)
     */
    void observe(PendingEvent event, int user, int item, float weight);

    /** Adjusts one list's scores (and may fill explanations) before the final sort. */
    void adjust(Candidates candidates);

    /** Nanoseconds spent in this stage so far (for the evaluation's latency ablation and metrics). */
    long nanos();

    /** Releases the stage's operators; called by the engine's {@link RecommenderEngine#close()}. */
    @Override
    default void close() {
    }
}
