package dev.hyperrec.topology.eval;

import dev.hyperrec.avro.InteractionType;
import dev.hyperrec.avro.RecommendedItem;
import dev.hyperrec.avro.Recommendations;
import dev.hyperrec.operators.ItemCatalog;
import dev.hyperrec.operators.OperatorBackend;
import dev.hyperrec.topology.HyperrecConfig;
import dev.hyperrec.topology.demo.ItemEmbeddingTrainer;
import dev.hyperrec.topology.engine.PendingEvent;
import dev.hyperrec.topology.engine.RecommenderEngine;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;

/**
 * A method that is the pipeline itself: events go through {@link RecommenderEngine} (the code the
 * Kafka Streams processor runs) as RATING interactions, and a test event first sends the engine a
 * request for a list. Item embeddings come from {@link PastEmbeddings}: trained on the training prefix
 * when it has been replayed (the engine then learns the prefix with them), and refreshed every
 * {@code refreshEvery} events from the events replayed so far, upserted into the engine's catalog
 * like a catalog-topic update. Items first seen between refreshes get a small cold vector.
 */
public final class EngineRecommender implements StreamingRecommender {
    /** Lists are requested a little longer than the protocol's so that the harness's exclusion of every rated item (the engine's seen-set is capped) still leaves a full list. */
    private static final int SLACK = 10;

    private final String name;
    private final HyperrecConfig config;
    private final RecommenderEngine engine;
    private final ItemCatalog catalog;
    private final PastEmbeddings model;
    private final int trainEvents;
    private final int refreshEvery;
    private final int initialEpochs;
    private final int refreshEpochs;
    private final long seed;
    private final List<Event> past = new ArrayList<>();
    private final List<PendingEvent> buffered = new ArrayList<>();
    private final Map<String, Integer> itemIndex = new HashMap<>();
    private final List<Integer> catalogItems = new ArrayList<>();
    private long seq;
    private boolean trained;
    private final List<PendingEvent> one = new ArrayList<>(1);
    private CoOccurrenceNeighbours neighbours;

    private PrequentialReranker reranker;
    private long applyNanos;
    private long applies;

    /**
     * Attaches an attention reranker trained from this replay's past (see {@link PrequentialReranker}):
     * no weights until the first refresh after the training prefix, then retrained at every refresh.
     */
    public EngineRecommender withAttention(PrequentialReranker r) {
        reranker = r;
        engine.addRankingStage(r.stage(engine));
        return this;
    }

    private PrequentialMol mol;

    /** Trains the Mixture-of-Logits weights of {@code m} from this replay's past (the engine must have been built on {@code m.backend}). */
    EngineRecommender withMol(PrequentialMol m) {
        mol = m;
        return this;
    }

    /** Mean wall time of one {@link RecommenderEngine#apply} call (a batch: one request or one learned event), in µs. */
    public double meanBatchMicros() {
        return applies == 0 ? 0 : applyNanos / 1e3 / applies;
    }

    /** {@link RecommenderEngine#apply} calls so far. */
    public long batches() {
        return applies;
    }

    /** Seconds the attached reranker spent training (0 without one). */
    public double trainSeconds() {
        return (reranker == null ? 0 : reranker.trainSeconds()) + (mol == null ? 0 : mol.trainSeconds());
    }

    /** The engine's ranking stages (for their time). */
    public List<dev.hyperrec.topology.engine.RankingStage> rankingStages() {
        return engine.rankingStages();
    }

    /**
     * Attaches the pipeline's item-to-item model ({@link CoOccurrenceNeighbours}, configured by the
     * {@code hyperrec.neighbours.*} keys) learned from each event after it was scored, when
     * {@code hyperrec.neighbours.enabled} is true, as the Streams processor attaches it.
     */
    public EngineRecommender withNeighbours() {
        if (config.neighboursEnabled()) {
            neighbours = new CoOccurrenceNeighbours(config);
            engine.itemNeighbours(neighbours);
        }
        return this;
    }

    public EngineRecommender(String name, HyperrecConfig config, OperatorBackend backend, PastEmbeddings model,
            int trainEvents, int refreshEvery, int initialEpochs, int refreshEpochs, long seed) {
        this.name = name;
        this.config = config.with(HyperrecConfig.RECS_ON_INTERACTIONS, false);
        this.catalog = new ItemCatalog(config.dim(), config.getInt(HyperrecConfig.CATALOG_INITIAL_CAPACITY));
        this.engine = new RecommenderEngine(this.config, backend, catalog);
        this.model = model;
        this.trainEvents = trainEvents;
        this.refreshEvery = refreshEvery;
        this.initialEpochs = initialEpochs;
        this.refreshEpochs = refreshEpochs;
        this.seed = seed;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int recommend(Event e, int k, IntPredicate excluded, int[] out) {
        flush();
        PendingEvent request = new PendingEvent(++seq, true, "t" + e.position(), e.userId(), null, -1, 0f,
                e.timestampMs(), e.timestampMs(), null, 0, k + SLACK, null);
        one.clear();
        one.add(request);
        Recommendations[] got = new Recommendations[1];
        long t0 = System.nanoTime();
        engine.apply(one, emitted -> got[0] = emitted.recommendations());
        applyNanos += System.nanoTime() - t0;
        applies++;
        int n = 0;
        if (got[0] != null) {
            for (RecommendedItem item : got[0].getItems()) {
                Integer idx = itemIndex.get(item.getItemId());
                if (idx != null && !excluded.test(idx) && n < k) {
                    out[n++] = idx;
                }
            }
        }
        return n;
    }

    @Override
    public void learn(Event e) {
        if (reranker != null) {
            reranker.outcome(e, catalog.indexOf(e.itemId()));
        }
        if (mol != null && trained && itemIndex.containsKey(e.itemId())) {
            mol.observe(e, engine.users(), catalog, catalogItems, item -> catalog.indexOf(idOf(item)));
        }
        past.add(e);
        if (neighbours != null) {
            neighbours.learn(e);
        }
        if (!itemIndex.containsKey(e.itemId())) {
            itemIndex.put(e.itemId(), e.item());
            catalogItems.add(e.item());
            catalog.upsert(e.itemId(), model.trained(e.item()) ? model.vector(e.item())
                    : ItemEmbeddingTrainer.coldVector(e.itemId(), catalog.dim(), seed));
        }
        buffered.add(new PendingEvent(++seq, false, "e" + e.position(), e.userId(), e.itemId(),
                InteractionType.RATING.ordinal(), e.rating(), e.timestampMs(), e.timestampMs(), null, 0, 0, null));
        if (!trained && past.size() >= trainEvents) {
            model.train(past, initialEpochs);
            upsertAll();
            trained = true;
            flush();
        } else if (trained && (past.size() - trainEvents) % refreshEvery == 0) {
            flush();
            model.train(past, refreshEpochs);
            upsertAll();
            if (reranker != null) {
                reranker.refresh();
            }
            if (mol != null) {
                mol.refresh(catalog.dim());
            }
        } else if (trained) {
            flush();
        }
    }

    private void flush() {
        if (!trained || buffered.isEmpty()) {
            return;
        }
        int batch = config.getInt(HyperrecConfig.BATCH_MAX_EVENTS);
        for (int from = 0; from < buffered.size(); from += batch) {
            long t0 = System.nanoTime();
            engine.apply(buffered.subList(from, Math.min(buffered.size(), from + batch)), emitted -> {
            });
            applyNanos += System.nanoTime() - t0;
            applies++;
        }
        buffered.clear();
    }

    private void upsertAll() {
        for (int item : catalogItems) {
            if (model.trained(item)) {
                String id = past.isEmpty() ? null : idOf(item);
                catalog.upsert(id, model.vector(item));
            }
        }
    }

    private final Map<Integer, String> ids = new HashMap<>();

    private String idOf(int item) {
        if (ids.size() != itemIndex.size()) {
            itemIndex.forEach((id, idx) -> ids.put(idx, id));
        }
        return ids.get(item);
    }

    @Override
    public void close() {
        engine.close();
    }
}
