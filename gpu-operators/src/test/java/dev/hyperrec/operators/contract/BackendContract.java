package dev.hyperrec.operators.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hyperrec.operators.CountMinConfig;
import dev.hyperrec.operators.EmbeddingUpdateConfig;
import dev.hyperrec.operators.EmbeddingUpdater;
import dev.hyperrec.operators.ItemCatalog;
import dev.hyperrec.operators.OperatorBackend;
import dev.hyperrec.operators.PopularitySketch;
import dev.hyperrec.operators.ScoreBatch;
import dev.hyperrec.operators.Scorer;
import dev.hyperrec.operators.ThompsonSampler;
import dev.hyperrec.operators.TopKResult;
import dev.hyperrec.operators.UpdateBatch;
import dev.hyperrec.operators.UserTable;
import org.junit.jupiter.api.Test;

/** Lifecycle contract of an {@link OperatorBackend}: ownership, idempotent close, use after close. */
public abstract class BackendContract {

    protected abstract OperatorBackend openBackend();

    protected abstract String expectedName();

    @Test
    public void reportsItsName() {
        try (OperatorBackend backend = openBackend()) {
            assertThat(backend.name()).isEqualTo(expectedName());
        }
    }

    @Test
    public void closingTheBackendClosesItsOperators() {
        OperatorBackend backend = openBackend();
        EmbeddingUpdater updater = backend.newEmbeddingUpdater(EmbeddingUpdateConfig.defaults());
        Scorer scorer = backend.newScorer();
        PopularitySketch sketch = backend.newPopularitySketch(CountMinConfig.defaults());
        ThompsonSampler sampler = backend.newThompsonSampler(1);
        backend.close();
        assertThatCode(backend::close).as("close is idempotent").doesNotThrowAnyException();

        ItemCatalog items = new ItemCatalog(2, 1);
        items.upsert("a", new float[] {1, 0});
        UserTable users = new UserTable(2, 1);
        users.indexOrAdd("u");
        UpdateBatch batch = new UpdateBatch(1);
        batch.add(0, 0, 1f);
        ScoreBatch queries = new ScoreBatch(2, 1);
        queries.add(new float[] {1, 0}, null);
        assertThatThrownBy(() -> updater.apply(users, items, batch)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> scorer.topK(items, queries, 1, new TopKResult())).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> sketch.add(new long[] {1}, new long[] {0}, 1)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> sketch.estimate(1)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(sketch::snapshot).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> sampler.sample(0, new long[] {1}, new double[] {1}, new double[] {1}, 1, new float[1]))
                .isInstanceOf(IllegalStateException.class);
        assertThatCode(scorer::close).as("closing a closed operator is a no-op").doesNotThrowAnyException();
    }

    @Test
    public void factoriesThrowAfterClose() {
        OperatorBackend backend = openBackend();
        backend.close();
        assertThatThrownBy(backend::newScorer).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> backend.newEmbeddingUpdater(EmbeddingUpdateConfig.defaults())).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> backend.newPopularitySketch(CountMinConfig.defaults())).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> backend.newThompsonSampler(1)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    public void anOperatorClosedEarlyDoesNotAffectTheOthers() {
        try (OperatorBackend backend = openBackend()) {
            Scorer first = backend.newScorer();
            Scorer second = backend.newScorer();
            first.close();
            ItemCatalog items = new ItemCatalog(2, 1);
            items.upsert("a", new float[] {1, 0});
            ScoreBatch queries = new ScoreBatch(2, 1);
            queries.add(new float[] {1, 0}, null);
            TopKResult out = new TopKResult();
            assertThatThrownBy(() -> first.topK(items, queries, 1, out)).isInstanceOf(IllegalStateException.class);
            second.topK(items, queries, 1, out);
            assertThat(out.count(0)).isEqualTo(1);
        }
    }
}
