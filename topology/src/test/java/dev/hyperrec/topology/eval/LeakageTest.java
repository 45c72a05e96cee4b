package dev.hyperrec.topology.eval;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperrec.operators.BackendKind;
import dev.hyperrec.operators.Backends;
import dev.hyperrec.operators.OperatorBackend;
import dev.hyperrec.topology.HyperrecConfig;
import dev.hyperrec.topology.demo.MovieLens;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.IntPredicate;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * No method can see an event before it is scored: (1) the harness hands a method each event only
 * after scoring it, in order; (2) rewriting the whole future after position p leaves every list
 * scored at or before p unchanged, for every method (so nothing of the future reaches a list).
 */
class LeakageTest {
    private static final int EVENTS = 3000;
    private static final int CUT = 1800;

    /** Records every list and checks the order of calls. */
    static final class Spy implements StreamingRecommender {
        final StreamingRecommender inner;
        final List<String> lists = new ArrayList<>();
        int learned;

        Spy(StreamingRecommender inner) {
            this.inner = inner;
        }

        @Override
        public String name() {
            return inner.name();
        }

        @Override
        public int recommend(Event e, int k, IntPredicate excluded, int[] out) {
            assertThat(learned).as("events learned before scoring event %d", e.position()).isEqualTo(e.position());
            int n = inner.recommend(e, k, excluded, out);
            lists.add(e.position() + ":" + Arrays.toString(Arrays.copyOf(out, n)));
            return n;
        }

        @Override
        public void learn(Event e) {
            assertThat(e.position()).isEqualTo(learned);
            learned++;
            inner.learn(e);
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"random", "popular", "item-knn", "seed-ema", "isgd", "hyperrec"})
    void listsBeforeTheCutIgnoreTheFuture(String method) {
        List<MovieLens.Rating> original = SyntheticRatings.generate(60, 120, EVENTS, 4, 7);
        List<MovieLens.Rating> rewritten = new ArrayList<>(original.subList(0, CUT));
        SplittableRandom rnd = new SplittableRandom(99);
        for (MovieLens.Rating r : original.subList(CUT, EVENTS)) {
            // a different future: other items, other ratings, same users and times
            rewritten.add(new MovieLens.Rating(r.line(), r.userId(), "m" + rnd.nextInt(120), 1 + rnd.nextInt(5), r.timestampMs()));
        }
        List<String> a = lists(method, original);
        List<String> b = lists(method, rewritten);
        List<String> beforeA = upTo(a, CUT);
        List<String> beforeB = upTo(b, CUT);
        assertThat(beforeA).isNotEmpty();
        assertThat(beforeB).isEqualTo(beforeA);
        assertThat(b).isNotEqualTo(a); // the rewrite did change the future
    }

    /** The ablation's added components (graph signal; attention reranker and Mixture-of-Logits scorer trained in the replay) see only the past too. */
    @ParameterizedTest
    @ValueSource(strings = {"+graph", "+attention", "+graph+attention", "+mol"})
    void ablationVariantsBeforeTheCutIgnoreTheFuture(String variant) {
        List<MovieLens.Rating> original = SyntheticRatings.generate(60, 120, EVENTS, 4, 7);
        List<MovieLens.Rating> rewritten = new ArrayList<>(original.subList(0, CUT));
        SplittableRandom rnd = new SplittableRandom(99);
        for (MovieLens.Rating r : original.subList(CUT, EVENTS)) {
            rewritten.add(new MovieLens.Rating(r.line(), r.userId(), "m" + rnd.nextInt(120), 1 + rnd.nextInt(5), r.timestampMs()));
        }
        List<String> a = variantLists(variant, original);
        List<String> b = variantLists(variant, rewritten);
        assertThat(upTo(a, CUT)).isNotEmpty();
        assertThat(upTo(b, CUT)).isEqualTo(upTo(a, CUT));
        assertThat(b).isNotEqualTo(a);
    }

    private static List<String> variantLists(String variant, List<MovieLens.Rating> ratings) {
        Prequential.Dataset data = Prequential.Dataset.of("synthetic", ratings, 0.2);
        HyperrecConfig config = HyperrecConfig.of(Map.of(HyperrecConfig.EMBEDDING_DIM, 8,
                HyperrecConfig.CATALOG_INITIAL_CAPACITY, 256, HyperrecConfig.USERS_INITIAL_CAPACITY, 64));
        try (OperatorBackend ops = Backends.open(BackendKind.CPU);
                Spy spy = new Spy(Ablation.create(variant, data, ops, config, 0.5, 42))) {
            Prequential.run(data, spy, null);
            return spy.lists;
        }
    }

    private static List<String> upTo(List<String> lists, int cut) {
        List<String> out = new ArrayList<>();
        for (String s : lists) {
            if (Integer.parseInt(s.substring(0, s.indexOf(':'))) < cut) {
                out.add(s);
            }
        }
        return out;
    }

    static List<String> lists(String method, List<MovieLens.Rating> ratings) {
        Prequential.Dataset data = Prequential.Dataset.of("synthetic", ratings, 0.2);
        HyperrecConfig config = HyperrecConfig.of(Map.of(HyperrecConfig.EMBEDDING_DIM, 8,
                HyperrecConfig.CATALOG_INITIAL_CAPACITY, 256, HyperrecConfig.USERS_INITIAL_CAPACITY, 64));
        try (OperatorBackend ops = Backends.open(BackendKind.CPU);
                Spy spy = new Spy(Evaluate.create(method, data, ops, config, 42))) {
            Prequential.run(data, spy, null);
            return spy.lists;
        }
    }
}
