package dev.hyperrec.topology.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperrec.avro.InteractionType;
import dev.hyperrec.avro.Recommendations;
import dev.hyperrec.operators.CountMinConfig;
import dev.hyperrec.operators.ForwardingBackend;
import dev.hyperrec.operators.ItemCatalog;
import dev.hyperrec.operators.ItemKeys;
import dev.hyperrec.operators.PopularitySketch;
import dev.hyperrec.operators.ThompsonSampler;
import dev.hyperrec.operators.internal.cpu.CpuBackend;
import dev.hyperrec.topology.HyperrecConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Where the engine keeps its popularity sketch and samples its bandit draws: a small sketch in host memory whatever the
 * backend ({@code hyperrec.sketch.device.min.cells}), a large one, or any one on the host backend, from the backend;
 * sampling calls below {@code hyperrec.bandit.device.min.draws} on the host; and the lists are the same either way.
 */
class HostPlacementTest {
    private static final int DIM = 8;

    /** A device backend as the engine sees it: another name; it counts the sketches and the sampling calls asked of it. */
    private static final class DeviceLike extends ForwardingBackend {
        int sketches;
        /** Counts the sampling calls that reached this backend's sampler. */
        EngineTestSupport.CountingSampler sampler;

        DeviceLike() {
            super(new CpuBackend());
        }

        @Override
        public String name() {
            return "cuda";
        }

        @Override
        public PopularitySketch newPopularitySketch(CountMinConfig config) {
            sketches++;
            return super.newPopularitySketch(config);
        }

        @Override
        public ThompsonSampler newThompsonSampler(long seed) {
            sampler = new EngineTestSupport.CountingSampler(super.newThompsonSampler(seed));
            return sampler;
        }
    }

    private static ItemCatalog catalog(int items) {
        return EngineTestSupport.randomCatalog(DIM, items, 3, 1f, true);
    }

    private static HyperrecConfig config(Map<String, Object> extra) {
        Map<String, Object> m = new HashMap<>(Map.of(HyperrecConfig.EMBEDDING_DIM, DIM, HyperrecConfig.NEIGHBOURS_ENABLED, false,
                HyperrecConfig.RECS_ON_INTERACTIONS, false));
        m.putAll(extra);
        return HyperrecConfig.of(m);
    }

    /** 300 Zipf-ish ratings by 20 users, then a request per user; returns every list as "user: items". */
    private static List<String> run(RecommenderEngine engine) {
        List<String> lists = new ArrayList<>();
        SplittableRandom rnd = new SplittableRandom(11);
        long seq = 0;
        List<PendingEvent> events = new ArrayList<>();
        for (int e = 0; e < 300; e++) {
            int item = (int) Math.min(39, Math.abs(rnd.nextGaussian() * 8));
            long t = 1_000_000L + e * 1_000L;
            events.add(new PendingEvent(++seq, false, "e" + seq, "u" + rnd.nextInt(20), "i" + item,
                    InteractionType.RATING.ordinal(), 4f, t, t, null, 0, 0, null));
        }
        for (int u = 0; u < 20; u++) {
            long t = 2_000_000L + u;
            events.add(new PendingEvent(++seq, true, "r" + seq, "u" + u, null, -1, 0f, t, t, null, 0, 10, null));
        }
        engine.apply(events, out -> {
            Recommendations r = out.recommendations();
            if (r != null) {
                lists.add(r.getUserId() + ": " + r.getItems()); // generatedAt is wall-clock time
            }
        });
        return lists;
    }

    @Test
    void aSmallSketchAndSmallSamplingCallsStayOnTheHostUnderADeviceBackendAndTheListsAreTheSame() {
        List<String> host;
        List<String> device;
        try (DeviceLike ops = new DeviceLike(); RecommenderEngine engine = new RecommenderEngine(config(Map.of()), ops, catalog(40))) {
            // the default sketch (ε 0.002, δ 0.01: 1,360 × 5 cells) is below the default 2^20 cells
            assertThat(engine.sketchOnHost()).isTrue();
            assertThat(ops.sketches).isZero();
            host = run(engine);
            // a list's candidates are far fewer than the default 1,024 draws: every call was sampled on the host
            assertThat(ops.sampler.calls).isZero();
            // the events were counted in the sketch the engine ranks with
            assertThat(engine.sketch().total()).isEqualTo(300);
            assertThat(engine.sketch().estimate(ItemKeys.hash64("i0"))).isPositive();
        }
        try (DeviceLike ops = new DeviceLike();
                RecommenderEngine engine = new RecommenderEngine(config(Map.of(HyperrecConfig.SKETCH_DEVICE_MIN_CELLS, 0,
                        HyperrecConfig.BANDIT_DEVICE_MIN_DRAWS, 0)), ops, catalog(40))) {
            assertThat(engine.sketchOnHost()).isFalse();
            assertThat(ops.sketches).isEqualTo(1);
            device = run(engine);
            assertThat(ops.sampler.calls).isEqualTo(20); // one call per list
            assertThat(engine.sketch().total()).isEqualTo(300);
        }
        assertThat(host).hasSize(20);
        assertThat(device).containsExactlyElementsOf(host);
    }

    @Test
    void theHostBackendAlwaysMakesItsOwnSketch() {
        try (CpuBackend ops = new CpuBackend(); RecommenderEngine engine = new RecommenderEngine(config(Map.of()), ops, catalog(10))) {
            assertThat(engine.sketchOnHost()).isFalse();
        }
    }
}
