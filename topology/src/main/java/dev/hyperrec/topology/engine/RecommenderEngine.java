package dev.hyperrec.topology.engine;

import dev.hyperrec.avro.InteractionType;
import dev.hyperrec.avro.Reason;
import dev.hyperrec.avro.RecommendedItem;
import dev.hyperrec.avro.Recommendations;
import dev.hyperrec.operators.BackendKind;
import dev.hyperrec.operators.Backends;
import dev.hyperrec.operators.BanditTable;
import dev.hyperrec.operators.CountMinConfig;
import dev.hyperrec.operators.EmbeddingUpdater;
import dev.hyperrec.operators.ItemCatalog;
import dev.hyperrec.operators.ItemKeys;
import dev.hyperrec.operators.OperatorBackend;
import dev.hyperrec.operators.PopularItemCache;
import dev.hyperrec.operators.PopularitySketch;
import dev.hyperrec.operators.ScoreBatch;
import dev.hyperrec.operators.Scorer;
import dev.hyperrec.operators.ThompsonSampler;
import dev.hyperrec.operators.TopKResult;
import dev.hyperrec.operators.UpdateBatch;
import dev.hyperrec.operators.UserTable;
import dev.hyperrec.operators.Vectors;
import dev.hyperrec.operators.internal.LongIntHashMap;
import dev.hyperrec.topology.HyperrecConfig;
import dev.hyperrec.topology.metrics.PipelineMetrics;
import dev.hyperrec.topology.metrics.PipelineMetrics.Operator;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * One task's recommender, free of Kafka: the operators, the in-memory (device-side) state they work
 * on, and the algorithm that turns an ordered batch of events into state changes and lists. The
 * Streams processor feeds it and persists what it changed; the evaluation harness replays logs
 * through it directly, so both run exactly the same code.
 *
 * <p><b>Determinism.</b> {@link #apply} gives the same state and lists as applying its events one at
 * a time in order, so results never depend on where batch boundaries fall:
 * <ol>
 *   <li>Updates and captures: the batch's embedding updates run as one operator call, which also hands
 *       back each user's row right after the updates that triggering events need
 *       ({@link EmbeddingUpdater#apply(UserTable, ItemCatalog, UpdateBatch, int[], float[])}); every
 *       triggering event captures that row as its query, with its seen-set and recent items as they stood
 *       after it. The captured queries are scored in one batched top-M call: a personal score depends only
 *       on the captured query and exclusions, so this equals the sequential order, and a batch costs one
 *       update call and one scorer call however many events its most active user has.</li>
 *   <li>Sequential pass in order: Count-Min adds (decayed on event time), bandit rewards,
 *       popular-cache drift checks, then each triggering event's final ranking with Thompson draws
 *       keyed by its event id, and the impressions of the list it emits.</li>
 * </ol>
 *
 * <p><b>One list per user and batch</b> ({@code hyperrec.recs.coalesce}, off by default). A triggering interaction
 * followed in the same batch by another of the same user yields no list of its own: the later list stands for it
 * ({@link Emitted#covers}). The lists that are emitted are exactly those of applying the events one at a time with
 * the left-out ones not triggering; which ones are left out depends on where the batch boundaries fall, so under load
 * (full batches) a hot user's burst costs one ranking, and at low rates nearly every event still gets its own list.
 *
 * <p><b>Metrics.</b> With an enabled {@link PipelineMetrics}, each {@link #apply} records the time
 * it spent in each operator (summed over the flush's calls; each cache rebuild on its own), the
 * popular-item cache's lookups and rebuilds, and how much the heavy-hitter set changed.
 *
 * <p>Thread affinity: one thread (the owning task's).
 */
public final class RecommenderEngine implements AutoCloseable {
    /**
     * A list, the event that triggered it, and the earlier triggering interactions of the same user in the same batch
     * that it stands for ({@code hyperrec.recs.coalesce}; empty otherwise), oldest first.
     */
    public record Emitted(PendingEvent event, Recommendations recommendations, List<PendingEvent> covers) {
        public Emitted {
            covers = List.copyOf(covers);
        }

        public Emitted(PendingEvent event, Recommendations recommendations) {
            this(event, recommendations, List.of());
        }
    }

    /** What an {@link #apply} changed besides the dirty rows the tables track themselves. */
    public record Applied(java.util.BitSet touchedUsers, boolean cacheRebuilt) {
    }

    private final ItemCatalog catalog;
    private final EventWeights weights;
    private final int dim;
    private final int candidates;
    private final int popularCandidates;
    private final int similarPerItem;
    private final int defaultK;
    private final int seenMax;
    private final int recentCap;
    private final int cacheCheckEvery;
    private final float wPersonal;
    private final float wSimilar;
    private final float wBandit;
    private final int neighboursPerItem;
    private final float recentDecay;
    private ItemNeighbours neighbours;
    private final List<RankingStage> stages = new ArrayList<>();
    /** Scratch of {@link #recentLists}: the published list of each recent item of the list being ranked or foreseen. */
    private NeighbourTable.Entry[] recentLists = new NeighbourTable.Entry[0];
    private final float wPopularity;
    private final String modelVersion;
    private final boolean listsOnInteractions;
    /** One list per user and batch for interactions: see {@link #superseded}. */
    private final boolean coalesce;
    private long coalescedLists;

    private final EmbeddingUpdater updater;
    private final Scorer scorer;
    private final PopularitySketch sketch;
    /** The host backend of the operators kept off the device (small sketch, small sampling calls); null on the host backend. */
    private OperatorBackend hostBackend;
    private boolean sketchOnHost;
    private final ThompsonSampler sampler;
    private final PopularItemCache cache;
    private final BanditTable bandit = new BanditTable();
    private final UserTable users;
    private final List<UserHistory> histories = new ArrayList<>();
    private final UpdateBatch updateBatch;
    /** Per update of the batch, the slot its row is handed back in (-1: not needed); see {@link #apply}. */
    private int[] snapshotSlot = new int[0];
    private final ScoreBatch scoreBatch;
    private final TopKResult topK = new TopKResult();
    private long[] hotBuffer = new long[0];
    /** The growing result of {@link #foreseenCandidates}. */
    private int[] foreseen = new int[64];
    private int foreseenCount;
    private final boolean scorerExtras;
    private long personalFromScorer;
    private long personalOnHost;
    /** Scratch of {@link #personalScores} and {@link #similarityTerms}. */
    private int[] pending = new int[0];
    private double[] simAcc = new double[0];

    /**
     * The ranking's catalog-sized scratch (about 17 bytes an item), one per thread rather than per engine: a stream
     * thread runs many tasks' engines, one at a time, and each use leaves it as it found it (marks cleared, stamps of a
     * generation no later use shares), so at 1M items it costs 17 MB a stream thread instead of 17 MB a task.
     */
    static final class Scratch {
        /** {@link #foreseenCandidates}: a generation stamp per catalog index. */
        int[] foreseenStamp = new int[0];
        int foreseenGeneration;
        /** {@link #personalScores}: the current list's extras by catalog index (valid where stamped). */
        int[] knownStamp = new int[0];
        float[] knownScore = new float[0];
        int knownGeneration;
        /** The current list's excluded catalog indices, marked for {@link #rank} and cleared after it. */
        boolean[] excluded = new boolean[0];
        final CandidateSet candidateSet = new CandidateSet();
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** This thread's scratch (tests: the engines of one thread share it). */
    static Scratch scratch() {
        return SCRATCH.get();
    }

    private final PipelineMetrics metrics;
    /** Nanoseconds spent in the sketch and the sampler during the current {@link #apply}. */
    private long sketchNanos;
    private long thompsonNanos;
    private long reportedHits;
    private long reportedMisses;
    private long reportedRebuilds;
    private long[] lastHot;

    public RecommenderEngine(HyperrecConfig config, OperatorBackend backend, ItemCatalog catalog) {
        this(config, backend, catalog, PipelineMetrics.disabled());
    }

    /** An engine that reports to {@code metrics} (see the class comment). */
    public RecommenderEngine(HyperrecConfig config, OperatorBackend backend, ItemCatalog catalog, PipelineMetrics metrics) {
        this.metrics = java.util.Objects.requireNonNull(metrics, "metrics");
        this.catalog = catalog;
        this.weights = new EventWeights(config);
        this.dim = config.dim();
        if (catalog.dim() != dim) {
            throw new IllegalArgumentException("catalog dimension " + catalog.dim() + " differs from "
                    + HyperrecConfig.EMBEDDING_DIM + " = " + dim);
        }
        this.candidates = config.getInt(HyperrecConfig.RECS_CANDIDATES);
        this.popularCandidates = config.getInt(HyperrecConfig.RECS_POPULAR_CANDIDATES);
        this.similarPerItem = config.getInt(HyperrecConfig.RECS_SIMILAR_PER_ITEM);
        this.defaultK = config.getInt(HyperrecConfig.RECS_K);
        this.seenMax = config.getInt(HyperrecConfig.SEEN_MAX);
        this.recentCap = config.getInt(HyperrecConfig.RECENT_ITEMS);
        this.cacheCheckEvery = config.getInt(HyperrecConfig.CACHE_CHECK_EVERY_EVENTS);
        this.wPersonal = config.getFloat(HyperrecConfig.RANK_WEIGHT_PERSONAL);
        this.wSimilar = config.getFloat(HyperrecConfig.RANK_WEIGHT_SIMILAR);
        this.wBandit = config.getFloat(HyperrecConfig.RANK_WEIGHT_BANDIT);
        this.neighboursPerItem = config.getInt(HyperrecConfig.RECS_NEIGHBOURS_PER_ITEM);
        this.recentDecay = config.getFloat(HyperrecConfig.RECENT_DECAY);
        this.wPopularity = config.getFloat(HyperrecConfig.RANK_WEIGHT_POPULARITY);
        this.modelVersion = config.get(HyperrecConfig.MODEL_VERSION);
        this.listsOnInteractions = Boolean.parseBoolean(config.get(HyperrecConfig.RECS_ON_INTERACTIONS).trim());
        this.coalesce = Boolean.parseBoolean(config.get(HyperrecConfig.RECS_COALESCE).trim());
        this.scorerExtras = Boolean.parseBoolean(config.get(HyperrecConfig.SCORER_EXTRAS).trim());
        int maxBatch = config.getInt(HyperrecConfig.BATCH_MAX_EVENTS);
        this.updater = backend.newEmbeddingUpdater(config.embeddingUpdate());
        this.scorer = dev.hyperrec.topology.rerank.RankingStages.scorer(config, backend);
        this.sketch = newSketch(backend, config.countMin(), config.getLong(HyperrecConfig.SKETCH_DEVICE_MIN_CELLS));
        this.sampler = newSampler(backend, config.getLong(HyperrecConfig.BANDIT_SEED), config.getInt(HyperrecConfig.BANDIT_DEVICE_MIN_DRAWS));
        this.cache = new PopularItemCache(scorer, config.popularCache());
        this.users = new UserTable(dim, config.getInt(HyperrecConfig.USERS_INITIAL_CAPACITY));
        this.updateBatch = new UpdateBatch(Math.max(16, maxBatch));
        this.scoreBatch = new ScoreBatch(dim, Math.max(16, maxBatch));
        dev.hyperrec.topology.rerank.RankingStages.attach(this, config, backend);
    }

    public ItemCatalog catalog() {
        return catalog;
    }

    public UserTable users() {
        return users;
    }

    public UserHistory history(int userIndex) {
        return histories.get(userIndex);
    }

    public BanditTable bandit() {
        return bandit;
    }

    /**
     * The popularity sketch: the backend's, or the host reference operator's when the sketch has fewer than
     * {@code minDeviceCells} cells and the backend is not the host's ({@link HyperrecConfig#SKETCH_DEVICE_MIN_CELLS}).
     */
    private PopularitySketch newSketch(OperatorBackend backend, CountMinConfig cm, long minDeviceCells) {
        long cells = (long) cm.width() * cm.depth();
        if (onHost(backend) || cells >= minDeviceCells) {
            return backend.newPopularitySketch(cm);
        }
        sketchOnHost = true;
        return hostBackend().newPopularitySketch(cm);
    }

    /**
     * The Thompson sampler: the backend's, routing calls of fewer than {@code minDeviceDraws} draws to the host
     * reference operator with the same seed when the backend is a device's ({@link HyperrecConfig#BANDIT_DEVICE_MIN_DRAWS}).
     */
    private ThompsonSampler newSampler(OperatorBackend backend, long seed, int minDeviceDraws) {
        ThompsonSampler device = backend.newThompsonSampler(seed);
        if (onHost(backend) || minDeviceDraws <= 0) {
            return device;
        }
        return new PlacedSampler(device, hostBackend().newThompsonSampler(seed), minDeviceDraws);
    }

    private static boolean onHost(OperatorBackend backend) {
        return BackendKind.CPU.name().equalsIgnoreCase(backend.name());
    }

    private OperatorBackend hostBackend() {
        if (hostBackend == null) {
            hostBackend = Backends.open(BackendKind.CPU);
        }
        return hostBackend;
    }

    /** Small sampling calls on the host, large ones on the device; both samplers draw from the same seeded streams. */
    private static final class PlacedSampler implements ThompsonSampler {
        private final ThompsonSampler device;
        private final ThompsonSampler host;
        private final int minDeviceDraws;

        PlacedSampler(ThompsonSampler device, ThompsonSampler host, int minDeviceDraws) {
            this.device = device;
            this.host = host;
            this.minDeviceDraws = minDeviceDraws;
        }

        @Override
        public void sample(long streamKey, long[] itemKeys, double[] alpha, double[] beta, int n, float[] out) {
            (n >= minDeviceDraws ? device : host).sample(streamKey, itemKeys, alpha, beta, n, out);
        }

        @Override
        public void close() {
            try {
                device.close();
            } finally {
                host.close();
            }
        }
    }

    /** Whether the popularity sketch is kept in host memory although the backend is a device's. */
    public boolean sketchOnHost() {
        return sketchOnHost;
    }

    public PopularitySketch sketch() {
        return sketch;
    }

    public PopularItemCache cache() {
        return cache;
    }

    /**
     * Registers restored users at their dense indices ({@code ids[i]} is user i): zero rows and empty
     * histories, filled in by {@link #restoreRow} and {@link #restoreHistory}. Only on a fresh engine.
     */
    public void restoreUsers(String[] ids, int count) {
        if (users.size() != 0) {
            throw new IllegalStateException("users can only be restored into an empty engine, it has " + users.size());
        }
        for (int i = 0; i < count; i++) {
            if (ids[i] == null) {
                throw new IllegalStateException("id dictionary is not dense: no user has index " + i + " of " + count);
            }
            int idx = users.indexOrAdd(ids[i]);
            if (idx != i) {
                throw new IllegalStateException("id dictionary is not dense: user " + ids[i] + " has index " + i
                        + " but was restored at " + idx);
            }
            histories.add(null);
        }
    }

    /**
     * Writes a restored user's row from its stored encoding ({@code dim} little-endian floats) straight
     * into the table's page, without an intermediate array.
     */
    public void restoreRow(int index, byte[] littleEndianFloats) {
        if (littleEndianFloats.length != dim * Float.BYTES) {
            throw new IllegalStateException("stored row of user " + users.idAt(index) + " has " + littleEndianFloats.length
                    + " bytes, expected " + dim * Float.BYTES);
        }
        java.nio.ByteBuffer.wrap(littleEndianFloats).order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer()
                .get(users.page(index), users.offset(index), dim);
        users.markDirty(index);
    }

    public void restoreHistory(int index, UserHistory history) {
        histories.set(index, history);
    }

    /** Gives every restored user without a stored history an empty one; call after the restore. */
    public void finishRestore() {
        for (int i = 0; i < histories.size(); i++) {
            if (histories.get(i) == null) {
                histories.set(i, new UserHistory(recentCap));
            }
        }
    }

    /**
     * Attaches an item-to-item model (null detaches it): the neighbours of each recent item become
     * SIMILAR candidates and every candidate gets {@code w_s · sum_a decay^a · sim(recent_a, item)}.
     * Like the catalog, it is global model data refreshed from outside, not task state.
     */
    public void itemNeighbours(ItemNeighbours model) {
        this.neighbours = model;
    }

    /**
     * Appends a ranking stage: it observes every interaction in order and adjusts each list after the
     * base score (see {@link RankingStage}). Like the item-to-item model, it holds model data, not
     * task state.
     */
    public void addRankingStage(RankingStage stage) {
        stages.add(java.util.Objects.requireNonNull(stage, "stage"));
    }

    public int recentCapacity() {
        return recentCap;
    }

    /** The id of the list a triggering event yields: derived from the event, so a replay yields the same id. */
    public static String recommendationId(PendingEvent e) {
        return (e.request() ? "req:" : "evt:") + e.eventId();
    }

    /** What a triggering event captured right after its own update: its query, exclusions and seeds. */
    private static final class Capture {
        float[] query;
        boolean zero;
        int[] exclude;
        long[] recent;
        int user;
        int[] personalIdx = new int[0];
        float[] personalScore = new float[0];
        /** Items the ranking is expected to need, scored by a device scorer in the batch's call (null: none). */
        int[] extraIdx;
        float[] extraScore;
        /** The catalog's version before that call: the extras hold for rows of this version only. */
        long extraVersion = -1;
    }

    /**
     * Applies {@code pending} in order, exactly as if one event at a time (see the class comment), and
     * hands each triggering event's list to {@code sink}.
     *
     * @return what changed, for the owner's write-back
     */
    public Applied apply(List<PendingEvent> pending, Consumer<Emitted> sink) {
        return apply(pending, sink, coalesce ? superseded(pending, listsOnInteractions) : null);
    }

    /**
     * The triggering interactions of {@code pending} whose list {@code hyperrec.recs.coalesce} leaves out: those followed
     * in the batch by another triggering interaction of the same user, whose list then stands for them (it is the list
     * that user's last event of the batch yields, with every earlier event applied). Requests are never left out and
     * stand for nothing: each asks for a list of its own.
     */
    static java.util.BitSet superseded(List<PendingEvent> pending, boolean listsOnInteractions) {
        java.util.BitSet out = new java.util.BitSet();
        if (!listsOnInteractions) {
            return out;
        }
        java.util.HashSet<String> later = new java.util.HashSet<>();
        for (int i = pending.size() - 1; i >= 0; i--) {
            PendingEvent e = pending.get(i);
            if (!e.request() && EventWeights.triggers(InteractionType.values()[e.type()]) && !later.add(e.userId())) {
                out.set(i);
            }
        }
        return out;
    }

    /** Triggering interactions whose list was left out for a later one of the same batch ({@code hyperrec.recs.coalesce}). */
    public long coalescedLists() {
        return coalescedLists;
    }

    /**
     * {@link #apply(List, Consumer)} with the triggering interactions in {@code silent} (null: none) yielding no list of
     * their own; each is handed to {@code sink} with the next list a triggering interaction of its user yields in the
     * batch, if any ({@link Emitted#covers}).
     * Every other effect of those events is applied. Silencing an event gives the same state and lists in any batching.
     */
    Applied apply(List<PendingEvent> pending, Consumer<Emitted> sink, java.util.BitSet silent) {
        int n = pending.size();
        if (n == 0) {
            return new Applied(new java.util.BitSet(), false);
        }
        int[] userIdx = new int[n];
        int[] itemIdx = new int[n];
        java.util.BitSet touched = new java.util.BitSet();
        for (int i = 0; i < n; i++) {
            PendingEvent e = pending.get(i);
            int u = users.indexOrAdd(e.userId());
            if (u == histories.size()) {
                histories.add(new UserHistory(recentCap));
            }
            userIdx[i] = u;
            itemIdx[i] = e.request() ? -1 : catalog.indexOf(e.itemId());
            touched.set(u);
        }

        // In batch order: each event's update joins the batch's one update call, its user's history moves on, and a
        // triggering event captures its exclusions and seeds, and which update its query is the row after
        // (updateBefore[i], -1: the row as it was before the batch). The updater hands those rows back in the same call.
        Capture[] captures = new Capture[n];
        int[] updateBefore = new int[n];
        LongIntHashMap lastUpdate = new LongIntHashMap(16);
        long updateNanos = 0;
        long scoreNanos = 0;
        boolean updated = false;
        boolean scoredAny = false;
        sketchNanos = 0;
        thompsonNanos = 0;
        scoreBatch.clear();
        updateBatch.clear();
        exclusions.clear();
        for (int i = 0; i < n; i++) {
            PendingEvent e = pending.get(i);
            int u = userIdx[i];
            UserHistory h = histories.get(u);
            if (!e.request()) {
                InteractionType type = InteractionType.values()[e.type()];
                float w = weights.weight(type, e.value());
                if (itemIdx[i] >= 0 && w != 0f) {
                    lastUpdate.put(u, updateBatch.size());
                    updateBatch.add(u, itemIdx[i], w);
                }
                long key = ItemKeys.hash64(e.itemId());
                h.addSeen(key, seenMax);
                if (w > 0f) {
                    h.touchRecent(key);
                }
                if (!listsOnInteractions || !EventWeights.triggers(type) || silent != null && silent.get(i)) {
                    continue;
                }
            }
            captures[i] = capture(u, h, catalog);
            updateBefore[i] = lastUpdate.get(u, -1);
        }
        // the query rows: a slot per update a capture needs; rows no update of this batch changes are read first
        int m = updateBatch.size();
        if (snapshotSlot.length < m) {
            snapshotSlot = new int[Math.max(m, 2 * snapshotSlot.length)];
        }
        Arrays.fill(snapshotSlot, 0, m, -1);
        int slots = 0;
        for (int i = 0; i < n; i++) {
            if (captures[i] == null) {
                continue;
            }
            int p = updateBefore[i];
            if (p < 0) {
                captures[i].query = new float[dim];
                users.copyRow(userIdx[i], captures[i].query, 0);
            } else if (snapshotSlot[p] < 0) {
                snapshotSlot[p] = slots++;
            }
        }
        float[] snapshots = new float[slots * dim];
        if (m > 0) {
            long t0 = System.nanoTime();
            updater.apply(users, catalog, updateBatch, snapshotSlot, snapshots);
            updateNanos += System.nanoTime() - t0;
            updated = true;
        }
        List<Capture> scored = new ArrayList<>();
        // a device scorer also scores the items each list's ranking is expected to need besides its top-M (its
        // similar and popular candidates, as they stand now), in the same call: the ranking then computes on the host
        // only those it did not foresee (personalScores)
        boolean extras = scorerExtras && scorer.extrasOnDevice();
        long[] hotNow = extras && popularCandidates > 0 ? hotKeys(popularCandidates) : null;
        for (int i = 0; i < n; i++) {
            Capture c = captures[i];
            if (c == null) {
                continue;
            }
            if (updateBefore[i] >= 0) {
                c.query = Arrays.copyOfRange(snapshots, snapshotSlot[updateBefore[i]] * dim,
                        (snapshotSlot[updateBefore[i]] + 1) * dim);
            }
            query(c, pending.get(i));
            if (!c.zero) {
                c.extraIdx = extras ? foreseenCandidates(c, hotNow) : null;
                scoreBatch.add(c.query, c.exclude, c.extraIdx);
                scored.add(c);
            }
        }
        if (scoreBatch.size() > 0) {
            long version = catalog.version();
            long t0 = System.nanoTime();
            scorer.topK(catalog, scoreBatch, candidates, topK);
            scoreNanos += System.nanoTime() - t0;
            scoredAny = true;
            float[] extraScores = topK.rawExtraScores();
            for (int q = 0; q < scored.size(); q++) {
                Capture c = scored.get(q);
                int cnt = topK.count(q);
                c.personalIdx = new int[cnt];
                c.personalScore = new float[cnt];
                for (int j = 0; j < cnt; j++) {
                    c.personalIdx[j] = topK.index(q, j);
                    c.personalScore[j] = topK.score(q, j);
                }
                if (c.extraIdx != null) {
                    c.extraScore = Arrays.copyOfRange(extraScores, topK.extraOffset(q), topK.extraOffset(q) + c.extraIdx.length);
                    c.extraVersion = version;
                }
            }
        }

        boolean cacheRebuilt = false;
        // per user index, the silenced events waiting for that user's next list of the batch
        java.util.HashMap<Integer, List<PendingEvent>> covered = silent == null || silent.isEmpty() ? null : new java.util.HashMap<>();
        long[] one = new long[1];
        long[] time = new long[1];
        for (int i = 0; i < n; i++) {
            PendingEvent e = pending.get(i);
            if (!e.request()) {
                long key = ItemKeys.hash64(e.itemId());
                one[0] = key;
                time[0] = e.eventTimeMs();
                long t0 = System.nanoTime();
                sketch.add(one, time, 1);
                sketchNanos += System.nanoTime() - t0;
                if (e.recommendationId() != null && EventWeights.rewards(InteractionType.values()[e.type()])) {
                    bandit.recordClick(e.segment(), key);
                }
                for (RankingStage stage : stages) {
                    stage.observe(e, userIdx[i], itemIdx[i], weights.weight(InteractionType.values()[e.type()], e.value()));
                }
            }
            if (e.seq() % cacheCheckEvery == 0) {
                long[] hot = hotKeys(sketch.config().heavyHitters());
                long t0 = System.nanoTime();
                boolean rebuilt = cache.maybeRebuild(catalog, hot, e.eventTimeMs());
                if (rebuilt) {
                    metrics.operator(Operator.CACHE_REBUILD, System.nanoTime() - t0);
                }
                cacheRebuilt |= rebuilt;
            }
            if (covered != null && silent.get(i)) {
                covered.computeIfAbsent(userIdx[i], x -> new ArrayList<>()).add(e);
                coalescedLists++;
            }
            if (captures[i] != null) {
                List<PendingEvent> covers = covered == null || e.request() ? null : covered.remove(userIdx[i]);
                sink.accept(new Emitted(e, emit(e, captures[i], catalog), covers == null ? List.of() : covers));
            }
        }
        if (metrics.enabled()) {
            if (updated) {
                metrics.operator(Operator.EMBEDDING_UPDATE, updateNanos);
            }
            if (scoredAny) {
                metrics.operator(Operator.SCORING, scoreNanos);
            }
            metrics.operator(Operator.SKETCH, sketchNanos);
            if (thompsonNanos > 0) {
                metrics.operator(Operator.THOMPSON, thompsonNanos);
            }
            reportCacheAndChurn();
        }
        return new Applied(touched, cacheRebuilt);
    }

    /** Reports the cache's counters since the last report and the hot set's change since the last flush. */
    private void reportCacheAndChurn() {
        metrics.cache(cache.hits() - reportedHits, cache.misses() - reportedMisses, cache.rebuilds() - reportedRebuilds);
        reportedHits = cache.hits();
        reportedMisses = cache.misses();
        reportedRebuilds = cache.rebuilds();
        long[] hot = hotKeys(sketch.config().heavyHitters());
        Arrays.sort(hot);
        if (lastHot != null) {
            long entered = 0;
            for (long k : hot) {
                if (Arrays.binarySearch(lastHot, k) < 0) {
                    entered++;
                }
            }
            metrics.hotSet(entered, PopularItemCache.jaccardDistance(lastHot, hot));
        }
        // the first flush of a task (fresh or restored) only sets the baseline
        lastHot = hot;
    }

    private Capture capture(int u, UserHistory h, ItemCatalog catalog) {
        return catalog.read(r -> capture(u, h, r));
    }

    /** A user's sorted exclusions as last built in this batch, and the seen-set and catalog versions they are for. */
    private record Exclusions(long seenVersion, long catalogVersion, int[] sorted) {
    }

    /** Per user index, this batch's last exclusions (cleared at each {@link #apply}). */
    private final java.util.HashMap<Integer, Exclusions> exclusions = new java.util.HashMap<>();

    /**
     * A triggering event's exclusions (the user's seen items in the catalog) and seeds (recent items), as its user's
     * history stands right after the event; its query row is filled in after the batch's update call.
     */
    private Capture capture(int u, UserHistory h, ItemCatalog.Reader catalog) {
        Capture c = new Capture();
        c.user = u;
        c.exclude = exclusions(u, h, catalog);
        c.recent = h.recent();
        return c;
    }

    /**
     * The catalog indices of {@code h}'s seen items, ascending. A user with many events in one batch (a hot user has
     * up to {@code hyperrec.seen.max} seen items and dozens of lists a batch) gets them from the previous capture's
     * array, with the one key added and the one evicted since, instead of a lookup per seen item and a sort. The arrays
     * are never changed once built (the score batch and the ranking only read them).
     */
    private int[] exclusions(int u, UserHistory h, ItemCatalog.Reader catalog) {
        long cv = this.catalog.version();
        Exclusions prev = exclusions.get(u);
        int[] ex;
        if (prev != null && prev.catalogVersion() == cv && prev.seenVersion() == h.seenVersion()) {
            return prev.sorted();
        } else if (prev != null && prev.catalogVersion() == cv && prev.seenVersion() + 1 == h.seenVersion()) {
            ex = prev.sorted();
            if (h.lastEvictedAny()) {
                ex = without(ex, catalog.indexOfKey(h.lastEvicted()));
            }
            ex = with(ex, catalog.indexOfKey(h.lastAdded()));
        } else {
            ex = new int[h.seenSize()];
            int m = 0;
            for (int j = 0; j < h.seenSize(); j++) {
                int idx = catalog.indexOfKey(h.seenAt(j));
                if (idx >= 0) {
                    ex[m++] = idx;
                }
            }
            ex = Arrays.copyOf(ex, m);
            Arrays.sort(ex);
        }
        exclusions.put(u, new Exclusions(h.seenVersion(), cv, ex));
        return ex;
    }

    /** {@code sorted} with {@code idx} inserted in order (a copy); {@code sorted} itself when {@code idx < 0}. */
    static int[] with(int[] sorted, int idx) {
        if (idx < 0) {
            return sorted;
        }
        int at = Arrays.binarySearch(sorted, idx);
        if (at >= 0) {
            return sorted;
        }
        at = -at - 1;
        int[] out = new int[sorted.length + 1];
        System.arraycopy(sorted, 0, out, 0, at);
        out[at] = idx;
        System.arraycopy(sorted, at, out, at + 1, sorted.length - at);
        return out;
    }

    /** {@code sorted} without {@code idx} (a copy); {@code sorted} itself when it does not hold it. */
    static int[] without(int[] sorted, int idx) {
        int at = idx < 0 ? -1 : Arrays.binarySearch(sorted, idx);
        if (at < 0) {
            return sorted;
        }
        int[] out = new int[sorted.length - 1];
        System.arraycopy(sorted, 0, out, 0, at);
        System.arraycopy(sorted, at + 1, out, at, sorted.length - at - 1);
        return out;
    }

    /** Completes {@code c}'s query from its user's row ({@code c.query}): fused with a request's own query, and whether it is zero. */
    private static void query(Capture c, PendingEvent e) {
        float[] q = c.query;
        if (e.query() != null) {
            float[] fused = new float[q.length];
            Vectors.fuse(e.query(), q, Vectors.QUERY_WEIGHT, fused);
            q = fused;
        }
        boolean zero = true;
        for (float x : q) {
            if (x != 0f) {
                zero = false;
                break;
            }
        }
        c.query = q;
        c.zero = zero;
    }

    /**
     * The catalog indices a list's ranking is expected to need besides its top-M, as the state stands at capture: the
     * cached similar rows and the item-to-item neighbours of its recent items, and the hot set {@code hot}, less its
     * exclusions, each once. The ranking may still meet others (a cache rebuilt or a hot set changed by the batch's
     * earlier events, neighbour lists published meanwhile) and scores those on the host.
     */
    private int[] foreseenCandidates(Capture c, long[] hot) {
        Scratch s = SCRATCH.get();
        return catalog.read(r -> {
            if (s.foreseenStamp.length < r.size()) {
                s.foreseenStamp = new int[Math.max(r.size(), 2 * s.foreseenStamp.length)];
            }
            int stamp = nextStamp(s.foreseenStamp, ++s.foreseenGeneration);
            s.foreseenGeneration = stamp;
            int[] stamps = s.foreseenStamp;
            foreseenCount = 0;
            // the exclusions marked in the thread's scratch, as the ranking tests them: a binary search of the seen set
            // per candidate was the lists' threads' top line once most recent items had a neighbour list
            boolean[] excluded = markExcluded(s, c.exclude, r.size());
            try {
                otherCandidates(c.recent, recentLists(c.recent), r, x -> excluded[x], hot, false, (idx, source) -> {
                    if (stamps[idx] != stamp) {
                        stamps[idx] = stamp;
                        foreseen = grow(foreseen, foreseenCount);
                        foreseen[foreseenCount++] = idx;
                    }
                });
            } finally {
                unmarkExcluded(excluded, c.exclude);
            }
            return Arrays.copyOf(foreseen, foreseenCount);
        });
    }

    /** The thread's catalog-sized scratch with {@code exclude}'s indices set; clear it with {@link #unmarkExcluded}. */
    private static boolean[] markExcluded(Scratch s, int[] exclude, int catalogSize) {
        if (s.excluded.length < catalogSize) {
            s.excluded = new boolean[Math.max(catalogSize, 2 * s.excluded.length)];
        }
        boolean[] excluded = s.excluded;
        for (int x : exclude) {
            excluded[x] = true;
        }
        return excluded;
    }

    private static void unmarkExcluded(boolean[] excluded, int[] exclude) {
        for (int x : exclude) {
            excluded[x] = false;
        }
    }

    /** Takes one of a list's candidates besides the scorer's top-M, with its source. */
    @FunctionalInterface
    private interface CandidateSink {
        void add(int idx, int source);
    }

    /**
     * A list's candidates besides the scorer's top-M, in the ranking's order (DESIGN.md §3, "Final ranking"): of each
     * recent item's cached similar row the first {@code hyperrec.recs.similar.per.item} active items not excluded, then
     * each recent item's published neighbours, then the hot set {@code hot} (null: none), the last two less the excluded
     * items. The ranking and the foreseeing ({@link #foreseenCandidates}) both take them from here, so that the items
     * scored ahead are those the ranking will meet unless the state moves in between; {@code counted}: the cache lookups
     * count as hits or misses (the ranking's), or look ahead without counting.
     */
    private void otherCandidates(long[] recent, NeighbourTable.Entry[] lists, ItemCatalog.Reader catalog,
                                 java.util.function.IntPredicate excluded, long[] hot, boolean counted, CandidateSink sink) {
        for (long recentKey : recent) {
            int[] row = counted ? cache.similar(recentKey) : cache.peekSimilar(recentKey);
            if (row == null) {
                continue;
            }
            int taken = 0;
            for (int j = 0; j < row.length && taken < similarPerItem; j++) {
                int idx = row[j];
                if (catalog.isActive(idx) && !excluded.test(idx)) {
                    sink.add(idx, SRC_SIMILAR);
                    taken++;
                }
            }
        }
        if (lists != null && neighboursPerItem > 0) {
            for (int a = 0; a < recent.length; a++) {
                NeighbourTable.Entry list = lists[a];
                if (list == null) {
                    continue;
                }
                // the list's catalog slots, resolved once for all threads: a key lookup per neighbour and list was the
                // lists' threads' top line on the H100 once most recent items had a published list
                int[] slot = list.catalogSlots(catalog);
                int m = Math.min(neighboursPerItem, list.size());
                for (int j = 0; j < m; j++) {
                    int idx = slot[j];
                    if (idx >= 0 && catalog.isActive(idx) && !excluded.test(idx)) {
                        sink.add(idx, SRC_SIMILAR);
                    }
                }
            }
        }
        if (hot != null) {
            for (long key : hot) {
                int idx = catalog.indexOfKey(key);
                if (idx >= 0 && !excluded.test(idx)) {
                    sink.add(idx, SRC_POPULAR);
                }
            }
        }
    }

    /**
     * The published list of each of {@code recent}, read once for a list's candidates and similarity terms (null entries:
     * none published), in the engine's scratch; null when no item-to-item model is attached.
     */
    private NeighbourTable.Entry[] recentLists(long[] recent) {
        if (neighbours == null) {
            return null;
        }
        if (recentLists.length < recent.length) {
            recentLists = new NeighbourTable.Entry[recent.length];
        }
        for (int a = 0; a < recent.length; a++) {
            recentLists[a] = neighbours.list(recent[a]);
        }
        return recentLists;
    }

    private static int[] grow(int[] a, int m) {
        return m < a.length ? a : Arrays.copyOf(a, Math.max(16, 2 * a.length));
    }

    /** {@code next}, or 1 with {@code stamps} cleared when the generation counter wraps. */
    private static int nextStamp(int[] stamps, int next) {
        if (next <= 0) {
            Arrays.fill(stamps, 0);
            return 1;
        }
        return next;
    }

    /** Personal scores of ranked candidates taken from the scorer's extras, and computed on the host. */
    public long personalScoresFromScorer() {
        return personalFromScorer;
    }

    public long personalScoresOnHost() {
        return personalOnHost;
    }

    private long[] hotKeys(int limit) {
        if (hotBuffer.length < limit) {
            hotBuffer = new long[limit];
        }
        long t0 = System.nanoTime();
        int n = sketch.hotKeys(limit, hotBuffer);
        sketchNanos += System.nanoTime() - t0;
        return Arrays.copyOf(hotBuffer, n);
    }

    private static final int SRC_PERSONAL = CandidateSet.PERSONAL;
    private static final int SRC_SIMILAR = CandidateSet.SIMILAR;
    private static final int SRC_POPULAR = CandidateSet.POPULAR;

    /**
     * Final ranking of one triggering event's candidates (DESIGN.md §3, "Final ranking") and its list, with the
     * catalog's read lock taken once for all its lookups.
     */
    private Recommendations emit(PendingEvent e, Capture c, ItemCatalog catalog) {
        return catalog.read(r -> emit(e, c, r));
    }

    private Recommendations emit(PendingEvent e, Capture c, ItemCatalog.Reader catalog) {
        Scratch s = SCRATCH.get();
        boolean[] excluded = markExcluded(s, c.exclude, catalog.size());
        try {
            return rank(e, c, catalog, excluded, s.candidateSet);
        } finally {
            unmarkExcluded(excluded, c.exclude);
        }
    }

    /** {@link #emit} with the capture's excluded items marked in {@code excluded}; {@code candidateSet} is the thread's. */
    private Recommendations rank(PendingEvent e, Capture c, ItemCatalog.Reader catalog, boolean[] excluded,
            CandidateSet candidateSet) {
        candidateSet.clear(catalog.size());
        for (int j = 0; j < c.personalIdx.length; j++) {
            candidateSet.add(c.personalIdx[j], SRC_PERSONAL, c.personalScore[j]);
        }
        NeighbourTable.Entry[] lists = recentLists(c.recent);
        otherCandidates(c.recent, lists, catalog, x -> excluded[x], popularCandidates > 0 ? hotKeys(popularCandidates) : null,
                true, (idx, source) -> candidateSet.add(idx, source, Float.NaN));
        int nc = candidateSet.size();
        int[] idx = candidateSet.indices();
        int[] src = candidateSet.sources();
        float[] pers = candidateSet.personal();
        long[] keys = new long[nc];
        for (int j = 0; j < nc; j++) {
            keys[j] = catalog.keyAt(idx[j]);
        }
        personalScores(catalog, idx, pers, nc, c);
        long[] est = new long[nc];
        long t0 = System.nanoTime();
        sketch.estimate(keys, nc, est);
        sketchNanos += System.nanoTime() - t0;
        double logN = Math.log1p(Math.max(1, sketch.total()));
        float[] total = new float[nc];
        float[] pop = new float[nc];
        float[] sim = new float[nc];
        String[] ids = new String[nc];
        if (lists != null) {
            similarityTerms(c.recent.length, lists, catalog, candidateSet, nc, sim);
        }
        for (int j = 0; j < nc; j++) {
            pop[j] = (float) (Math.log1p(est[j]) / logN);
            ids[j] = catalog.idAt(idx[j]);
        }
        int k = Math.min(e.k() > 0 ? e.k() : defaultK, nc);
        float[] theta = new float[nc];
        int[] drawn = drawnCandidates(pers, sim, pop, nc, k);
        int nd = drawn == null ? nc : drawn.length;
        long[] drawKeys = keys;
        if (drawn != null) {
            drawKeys = new long[nd];
            for (int t = 0; t < nd; t++) {
                drawKeys[t] = keys[drawn[t]];
            }
        }
        double[] alpha = new double[nd];
        double[] beta = new double[nd];
        bandit.fill(e.segment(), drawKeys, nd, alpha, beta);
        float[] drawnTheta = drawn == null ? theta : new float[nd];
        long t1 = System.nanoTime();
        sampler.sample(ItemKeys.hash64(e.eventId()), drawKeys, alpha, beta, nd, drawnTheta);
        thompsonNanos += Math.max(1, System.nanoTime() - t1);
        if (drawn != null) {
            for (int t = 0; t < nd; t++) {
                theta[drawn[t]] = drawnTheta[t];
            }
        }
        for (int j = 0; j < nc; j++) {
            total[j] = blend(pers[j], sim[j], theta[j], pop[j]);
        }
        float[][] explanation = new float[nc][];
        if (!stages.isEmpty()) {
            RankingStage.Candidates list = new RankingStage.Candidates(e, c.user, c.query, idx, total, explanation, nc);
            for (RankingStage stage : stages) {
                stage.adjust(list);
            }
        }
        int[] order = topOrder(total, ids, nc, k);
        List<RecommendedItem> items = new ArrayList<>(k);
        for (int r = 0; r < k; r++) {
            int o = order[r];
            // the all-fields constructor: a builder per item copied the schema's field array and checked each field
            // (1.1% of the lists' threads' samples on the H100); every field is set here, none of the required is null
            items.add(new RecommendedItem(ids[o], total[o], r + 1, reason(src[o], wPersonal * pers[o], wSimilar * sim[o],
                    wBandit * theta[o], wPopularity * pop[o]), explanation[o] == null ? null : asList(explanation[o])));
            bandit.recordImpression(e.segment(), keys[o]);
        }
        return Recommendations.newBuilder()
                .setUserId(e.userId())
                .setRecommendationId(recommendationId(e))
                .setRequestId(e.request() ? e.eventId() : null)
                .setItems(items)
                .setGeneratedAt(Instant.ofEpochMilli(System.currentTimeMillis()))
                .setSourceEventTime(Instant.ofEpochMilli(e.eventTimeMs()))
                .setModelVersion(modelVersion)
                .build();
    }

    /**
     * A candidate's total (DESIGN.md §3, "Final ranking"), the one expression both the ranking and the draw pruning's
     * bounds ({@link #drawnCandidates}) evaluate, so that the bounds hold bit for bit.
     */
    private float blend(float personal, float similar, float theta, float popularity) {
        return wPersonal * personal + wSimilar * similar + wBandit * theta + wPopularity * popularity;
    }

    /**
     * The candidates whose Thompson draw can matter, or null for all of them. A draw {@code θ} is in [0, 1] and enters
     * the total through {@code + w_b·θ} with {@code w_b >= 0}; float rounding is monotone, so each total lies between
     * the same expression at {@code θ = 0} (lo) and at {@code θ = 1} (hi). A candidate with {@code hi} below the
     * {@code k}-th largest {@code lo} ranks after at least {@code k} others whatever the draws (ties included), so it is
     * not shown and its draw is never read; each draw depends only on the seed, the list's stream and the item
     * ({@link ThompsonSampler}), so leaving some out changes none of the others. Every candidate is drawn when ranking
     * stages adjust the totals afterwards, when {@code w_b} is negative or when a bound is not finite.
     */
    private int[] drawnCandidates(float[] pers, float[] sim, float[] pop, int nc, int k) {
        if (k <= 0 || k >= nc || !stages.isEmpty() || !(wBandit >= 0f)) {
            return null;
        }
        float[] lo = new float[nc];
        float[] hi = new float[nc];
        for (int j = 0; j < nc; j++) {
            lo[j] = blend(pers[j], sim[j], 0f, pop[j]);
            hi[j] = blend(pers[j], sim[j], 1f, pop[j]);
            if (!Float.isFinite(lo[j]) || !Float.isFinite(hi[j])) {
                return null;
            }
        }
        float[] sorted = lo.clone();
        Arrays.sort(sorted);
        float kth = sorted[nc - k];
        int m = 0;
        int[] keep = new int[nc];
        for (int j = 0; j < nc; j++) {
            if (hi[j] >= kth) {
                keep[m++] = j;
            }
        }
        return m == nc ? null : Arrays.copyOf(keep, m);
    }

    /**
     * The {@code k} best of candidates {@code [0, nc)}, best first: higher total first, then the
     * smaller item id (the order {@code Float.compare} and {@code String.compareTo} give). A bounded
     * heap over primitive indices: {@code Arrays.sort} of boxed indices with a comparator went through
     * {@code TimSort}, which every Kafka client shares, and its type-profile traps kept deoptimizing
     * (and recompiling, a second of C2 time each) the ranking code.
     */
    static int[] topOrder(float[] total, String[] ids, int nc, int k) {
        int[] heap = new int[k];
        int size = 0;
        for (int j = 0; j < nc; j++) {
            if (size < k) {
                int i = size++;
                while (i > 0) {
                    int parent = (i - 1) >>> 1;
                    if (!ranksBefore(total, ids, heap[parent], j)) {
                        break;
                    }
                    heap[i] = heap[parent];
                    i = parent;
                }
                heap[i] = j;
            } else if (ranksBefore(total, ids, j, heap[0])) {
                siftWorst(total, ids, heap, 0, k, j);
            }
        }
        for (int end = size - 1; end > 0; end--) {
            int last = heap[end];
            heap[end] = heap[0];
            siftWorst(total, ids, heap, 0, end, last);
        }
        return heap;
    }

    /** Places candidate {@code c} at slot {@code i} of the worst-at-root heap {@code heap[0, size)} and sifts it down. */
    private static void siftWorst(float[] total, String[] ids, int[] heap, int i, int size, int c) {
        while (true) {
            int l = 2 * i + 1;
            if (l >= size) {
                break;
            }
            int w = l;
            if (l + 1 < size && ranksBefore(total, ids, heap[l], heap[l + 1])) {
                w = l + 1;
            }
            if (!ranksBefore(total, ids, c, heap[w])) {
                break;
            }
            heap[i] = heap[w];
            i = w;
        }
        heap[i] = c;
    }

    /** True when candidate {@code a} ranks before {@code b}. */
    private static boolean ranksBefore(float[] total, String[] ids, int a, int b) {
        int cmp = Float.compare(total[b], total[a]);
        return cmp != 0 ? cmp < 0 : ids[a].compareTo(ids[b]) < 0;
    }

    private static List<Float> asList(float[] values) {
        List<Float> l = new ArrayList<>(values.length);
        for (float v : values) {
            l.add(v);
        }
        return l;
    }

    /** The largest contribution names the reason; a personal-looking item found only through the cache is SIMILAR. */
    static Reason reason(int sources, float personal, float similar, float bandit, float popularity) {
        if (similar > personal && similar >= bandit && similar >= popularity) {
            return Reason.SIMILAR;
        }
        if (personal >= bandit && personal >= popularity) {
            return (sources & SRC_PERSONAL) == 0 && (sources & SRC_SIMILAR) != 0 ? Reason.SIMILAR : Reason.PERSONAL;
        }
        return bandit >= popularity ? Reason.EXPLORE : Reason.POPULAR;
    }

    /**
     * Each candidate's similarity term {@code sum_a decay^a · sim(recent_a, candidate)} into {@code sim}. Instead of
     * one {@link ItemNeighbours#similarity} call per (recent item, candidate) pair, each recent item's whole list
     * ({@code lists[a]}, as {@link #recentLists} read it for this ranking) is walked once by its catalog slots, and an
     * entry that is a candidate finds its candidate slot in {@code candidates} by that index. A key and its catalog slot
     * name one item both ways, and every candidate is in the catalog, so these are the entries whose key is a
     * candidate's. A candidate's sum is still accumulated in double over the recent items in order; a candidate missing
     * from a list would have added {@code w · 0 = +0.0}, which leaves a sum that starts at {@code +0.0} unchanged, so
     * the terms are bit for bit those of one call per pair.
     */
    private void similarityTerms(int recent, NeighbourTable.Entry[] lists, ItemCatalog.Reader catalog,
                                 CandidateSet candidates, int nc, float[] sim) {
        if (simAcc.length < nc) {
            simAcc = new double[Math.max(nc, 2 * simAcc.length)];
        }
        Arrays.fill(simAcc, 0, nc, 0.0);
        float w = 1f;
        for (int a = 0; a < recent; a++) {
            NeighbourTable.Entry list = lists[a];
            if (list != null) {
                int[] slot = list.catalogSlots(catalog);
                float[] listSim = list.similarity();
                for (int t = 0; t < slot.length; t++) {
                    int j = slot[t] >= 0 ? candidates.slotOf(slot[t]) : -1;
                    if (j >= 0) {
                        simAcc[j] += w * listSim[t];
                    }
                }
            }
            w *= recentDecay;
        }
        for (int j = 0; j < nc; j++) {
            sim[j] = (float) simAcc[j];
        }
    }

    /**
     * The personal score (the query's dot product with the item's embedding) of every candidate that the scorer did
     * not return ({@code NaN} in {@code pers}); 0 for a zero query. A candidate among the list's extras (scored in the
     * batch's call, catalog unchanged since) takes that score; the others are computed here, eight (then the rest one
     * by one, {@link Scorer#exactDot}) candidates at a time
     * straight from the catalog's matrix, each sum in double and in dimension order as one dot product at a time would
     * give: the independent sums keep the floating-point pipeline full where one sum waits on its previous addition.
     */
    private void personalScores(ItemCatalog.Reader catalog, int[] idx, float[] pers, int nc, Capture c) {
        int m = 0;
        if (pending.length < nc) {
            pending = new int[Math.max(nc, 2 * pending.length)];
        }
        // the scorer's extras stand for this catalog version's rows only
        boolean known = c.extraIdx != null && c.extraVersion == this.catalog.version();
        int stamp = 0;
        Scratch s = SCRATCH.get();
        if (known) {
            if (s.knownStamp.length < catalog.size()) {
                s.knownStamp = new int[Math.max(catalog.size(), 2 * s.knownStamp.length)];
                s.knownScore = new float[s.knownStamp.length];
            }
            stamp = nextStamp(s.knownStamp, ++s.knownGeneration);
            s.knownGeneration = stamp;
            for (int j = 0; j < c.extraIdx.length; j++) {
                s.knownStamp[c.extraIdx[j]] = stamp;
                s.knownScore[c.extraIdx[j]] = c.extraScore[j];
            }
        }
        int[] knownStamp = s.knownStamp;
        float[] knownScore = s.knownScore;
        for (int j = 0; j < nc; j++) {
            if (Float.isNaN(pers[j])) {
                if (c.zero) {
                    pers[j] = 0f;
                } else if (known && knownStamp[idx[j]] == stamp) {
                    pers[j] = knownScore[idx[j]];
                    personalFromScorer++;
                } else {
                    pending[m++] = j;
                }
            }
        }
        personalOnHost += m;
        float[] emb = catalog.rawEmbeddings();
        float[] q = c.query;
        int t = 0;
        for (; t + 8 <= m; t += 8) {
            int o0 = rowOffset(catalog, idx[pending[t]]);
            int o1 = rowOffset(catalog, idx[pending[t + 1]]);
            int o2 = rowOffset(catalog, idx[pending[t + 2]]);
            int o3 = rowOffset(catalog, idx[pending[t + 3]]);
            int o4 = rowOffset(catalog, idx[pending[t + 4]]);
            int o5 = rowOffset(catalog, idx[pending[t + 5]]);
            int o6 = rowOffset(catalog, idx[pending[t + 6]]);
            int o7 = rowOffset(catalog, idx[pending[t + 7]]);
            double s0 = 0;
            double s1 = 0;
            double s2 = 0;
            double s3 = 0;
            double s4 = 0;
            double s5 = 0;
            double s6 = 0;
            double s7 = 0;
            for (int d = 0; d < dim; d++) {
                double x = q[d];
                s0 += (double) emb[o0 + d] * x;
                s1 += (double) emb[o1 + d] * x;
                s2 += (double) emb[o2 + d] * x;
                s3 += (double) emb[o3 + d] * x;
                s4 += (double) emb[o4 + d] * x;
                s5 += (double) emb[o5 + d] * x;
                s6 += (double) emb[o6 + d] * x;
                s7 += (double) emb[o7 + d] * x;
            }
            pers[pending[t]] = (float) s0;
            pers[pending[t + 1]] = (float) s1;
            pers[pending[t + 2]] = (float) s2;
            pers[pending[t + 3]] = (float) s3;
            pers[pending[t + 4]] = (float) s4;
            pers[pending[t + 5]] = (float) s5;
            pers[pending[t + 6]] = (float) s6;
            pers[pending[t + 7]] = (float) s7;
        }
        for (; t < m; t++) {
            int j = pending[t];
            pers[j] = Scorer.exactDot(emb, rowOffset(catalog, idx[j]), q, 0, dim);
        }
    }

    private int rowOffset(ItemCatalog.Reader catalog, int item) {
        if (item < 0 || item >= catalog.size()) {
            throw new IllegalStateException("candidate index " + item + " outside the catalog's " + catalog.size() + " rows");
        }
        return item * dim;
    }


    /** The attached ranking stages, in order. */
    public List<RankingStage> rankingStages() {
        return java.util.Collections.unmodifiableList(stages);
    }

    @Override
    public void close() {
        for (int i = stages.size() - 1; i >= 0; i--) {
            stages.get(i).close();
        }
        updater.close();
        sampler.close();
        sketch.close();
        if (hostBackend != null) {
            hostBackend.close();
        }
        scorer.close();
    }
}
