package dev.hyperrec.topology.eval;

import dev.hyperrec.operators.BackendKind;
import dev.hyperrec.operators.BanditTable;
import dev.hyperrec.operators.Backends;
import dev.hyperrec.operators.ItemKeys;
import dev.hyperrec.operators.OperatorBackend;
import dev.hyperrec.operators.ThompsonSampler;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.commons.statistics.inference.ChiSquareTest;
import org.apache.commons.statistics.inference.SignificanceResult;

/**
 * Offline evaluation of hyperrec's bandit on the Open Bandit Dataset (Saito et al. 2020) by the replay
 * method of Li, Chu, Langford &amp; Wang (2011): walk the uniformly random policy's log in time order;
 * at each impression the policy under test (the pipeline's {@link ThompsonSampler} operator over a
 * {@link BanditTable}, exactly as the engine uses them, one context segment) picks the item with the
 * largest Beta draw; when it equals the logged item the impression counts — its click is the reward
 * and the bandit learns the impression (and click); otherwise the row is discarded. With a uniform
 * logging policy the CTR over matched rows is an unbiased estimate of the policy's online CTR.
 *
 * <p>The policy's own randomness is averaged out over {@value #RUNS} replays with different sampler
 * seeds (pooled CTR). Intervals are 95% Wilson score intervals; for the replay the sample size is the
 * matched impressions of one run (the runs reuse the same log, so pooling adds no independent data).
 * The baselines are the logs' own CTRs: the random policy's, and the Bernoulli Thompson sampling
 * policy that ZOZOTOWN ran in the same period (its log in {@code bts/}).
 *
 * <p>Three variants of what the sampler learns from, all test-then-learn: only its matched impressions
 * (strict replay); also every earlier impression of the random log (the exploration traffic a
 * deployment sees); and also every earlier impression of the BTS log (the other bucket of the same A/B
 * test). Next to them, per campaign and log, a test of whether the data can tell the arms apart at all:
 * Pearson's chi-square test that every arm has the same CTR, with an asymptotic p-value and, because a
 * campaign's few dozen clicks leave about one expected click per arm, a permutation p-value; and a
 * chi-square test of the BTS log's CTR against the random log's.
 */
public final class BanditReplay {
    public static final int RUNS = 10;
    /** Permutations behind each permutation p-value. */
    public static final int PERMUTATIONS = 10_000;

    /** What the sampler learns from besides its own matched impressions. */
    enum Feedback {
        /** only its matched impressions: Li et al.'s replay */
        STRICT,
        /** also every earlier impression of the random log */
        RANDOM_LOG,
        /** also every earlier impression of the random log and of the BTS log */
        BOTH_LOGS
    }

    /** One log: time, item, position and click per impression, in time order (timestamps compare as text). */
    record Log(String[] times, int[] items, int[] positions, boolean[] clicks, int arms) {
        int clickCount() {
            int c = 0;
            for (boolean b : clicks) {
                c += b ? 1 : 0;
            }
            return c;
        }
    }

    /** A replay's outcome. */
    public record Outcome(long matched, long clicks, long matchedPerRun) {
        static Outcome of(long matched, long clicks) {
            return new Outcome(matched, clicks, Math.round((double) matched / RUNS));
        }

        public double ctr() {
            return matched == 0 ? 0 : (double) clicks / matched;
        }
    }

    private BanditReplay() {
    }

    /** The report's "bandit" object for the campaigns found under {@code obdDir} (random/ and bts/ logs). */
    public static Map<String, Object> evaluate(Path obdDir, long seed) throws IOException {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("dataset", "Open Bandit Dataset sample (" + obdDir + ")");
        out.put("method", "replay (Li, Chu, Langford & Wang 2011) on the uniform-random policy's log; policy = "
                + "hyperrec's ThompsonSampler + BanditTable, Beta(1,1) prior, argmax draw per impression; "
                + RUNS + " replays with different sampler seeds, pooled; 95% Wilson intervals. hyperrec_ts learns only "
                + "from its matched impressions (strict replay); hyperrec_ts_observing_log also learns every earlier "
                + "logged impression of the random policy (the exploration traffic), per position segment, after "
                + "choosing for the current one; hyperrec_ts_observing_both_logs also learns every earlier impression "
                + "of the BTS policy's log. arm_homogeneity: Pearson chi-square test that all arms of a log have the "
                + "same CTR (asymptotic p and a " + PERMUTATIONS + "-permutation p); bts_vs_random: chi-square test "
                + "of the two logs' CTRs");
        List<Map<String, Object>> campaigns = new ArrayList<>();
        long[] tot = new long[6];
        long[] warm = new long[3]; // replay matched, clicks, per-run matched; random n, clicks; (bts below)
        long[] both = new long[3];
        long btsN = 0;
        long btsC = 0;
        for (String c : new String[] {"all", "men", "women"}) {
            Path random = obdDir.resolve("random").resolve(c).resolve(c + ".csv");
            Path bts = obdDir.resolve("bts").resolve(c).resolve(c + ".csv");
            if (!Files.exists(random) || !Files.exists(bts)) {
                continue;
            }
            Log r = read(random);
            Log b = read(bts);
            Outcome o;
            Outcome w;
            Outcome wb;
            try (OperatorBackend ops = Backends.open(BackendKind.CPU)) {
                o = replay(r, b, ops, seed, Feedback.STRICT);
                w = replay(r, b, ops, seed, Feedback.RANDOM_LOG);
                wb = replay(r, b, ops, seed, Feedback.BOTH_LOGS);
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("campaign", c);
            m.put("arms", r.arms());
            m.put("hyperrec_ts", ctrEntry(o.clicks(), o.matched(), o.matchedPerRun()));
            m.put("hyperrec_ts_observing_log", ctrEntry(w.clicks(), w.matched(), w.matchedPerRun()));
            m.put("hyperrec_ts_observing_both_logs", ctrEntry(wb.clicks(), wb.matched(), wb.matchedPerRun()));
            m.put("logged_bts", ctrEntry(b.clickCount(), b.items().length, b.items().length));
            m.put("logged_random", ctrEntry(r.clickCount(), r.items().length, r.items().length));
            Map<String, Object> homogeneity = new LinkedHashMap<>();
            homogeneity.put("random", armHomogeneity(r, seed, PERMUTATIONS));
            homogeneity.put("bts", armHomogeneity(b, seed, PERMUTATIONS));
            m.put("arm_homogeneity", homogeneity);
            m.put("bts_vs_random", compareCtr(b.clickCount(), b.items().length, r.clickCount(), r.items().length));
            campaigns.add(m);
            both[0] += wb.matched();
            both[1] += wb.clicks();
            both[2] += wb.matchedPerRun();
            warm[0] += w.matched();
            warm[1] += w.clicks();
            warm[2] += w.matchedPerRun();
            tot[0] += o.matched();
            tot[1] += o.clicks();
            tot[2] += o.matchedPerRun();
            tot[3] += r.items().length;
            tot[4] += r.clickCount();
            btsN += b.items().length;
            btsC += b.clickCount();
        }
        out.put("campaigns", campaigns);
        Map<String, Object> pooled = new LinkedHashMap<>();
        pooled.put("hyperrec_ts", ctrEntry(tot[1], tot[0], tot[2]));
        pooled.put("hyperrec_ts_observing_log", ctrEntry(warm[1], warm[0], warm[2]));
        pooled.put("hyperrec_ts_observing_both_logs", ctrEntry(both[1], both[0], both[2]));
        pooled.put("logged_bts", ctrEntry(btsC, btsN, btsN));
        pooled.put("logged_random", ctrEntry(tot[4], tot[3], tot[3]));
        pooled.put("bts_vs_random", compareCtr(btsC, btsN, tot[4], tot[3]));
        out.put("pooled", pooled);
        double ts = tot[0] == 0 ? 0 : (double) tot[1] / tot[0];
        double bt = btsN == 0 ? 0 : (double) btsC / btsN;
        out.put("hyperrec_ctr", ts);
        out.put("hyperrec_observing_log_ctr", warm[0] == 0 ? 0 : (double) warm[1] / warm[0]);
        out.put("hyperrec_observing_both_logs_ctr", both[0] == 0 ? 0 : (double) both[1] / both[0]);
        out.put("logged_bts_ctr", bt);
        out.put("logged_random_ctr", tot[3] == 0 ? 0 : (double) tot[4] / tot[3]);
        out.put("hyperrec_ge_logged_bts", ts >= bt);
        return out;
    }

    /**
     * {@value #RUNS} replays of the random policy's {@code log} with sampler seeds derived from {@code seed},
     * pooled; {@code other} is the BTS log, observed only with {@link Feedback#BOTH_LOGS}.
     */
    static Outcome replay(Log log, Log other, OperatorBackend ops, long seed, Feedback feedback) {
        long matched = 0;
        long clicks = 0;
        for (int run = 0; run < RUNS; run++) {
            try (ThompsonSampler sampler = ops.newThompsonSampler(seed * 1_000_003L + run)) {
                long[] o = replayOnce(log, other, sampler, feedback);
                matched += o[0];
                clicks += o[1];
            }
        }
        return Outcome.of(matched, clicks);
    }

    /** One replay; returns {matched impressions, clicks}. */
    static long[] replayOnce(Log log, Log other, ThompsonSampler sampler, Feedback feedback) {
        boolean observeLog = feedback != Feedback.STRICT;
        int k = log.arms();
        long[] keys = new long[k];
        for (int a = 0; a < k; a++) {
            keys[a] = ItemKeys.hash64("obd-" + a);
        }
        double[] alpha = new double[k];
        double[] beta = new double[k];
        float[] theta = new float[k];
        BanditTable table = new BanditTable();
        long matched = 0;
        long clicks = 0;
        int seen = 0; // rows of the other log learned so far
        for (int t = 0; t < log.items().length; t++) {
            if (feedback == Feedback.BOTH_LOGS) {
                // the other bucket's impressions strictly before this one, in time order
                while (seen < other.items().length && other.times()[seen].compareTo(log.times()[t]) < 0) {
                    learn(table, other.positions()[seen], keys[other.items()[seen]], other.clicks()[seen]);
                    seen++;
                }
            }
            int segment = observeLog ? log.positions()[t] : 0;
            table.fill(segment, keys, k, alpha, beta);
            sampler.sample(t, keys, alpha, beta, k, theta);
            int pick = 0;
            for (int a = 1; a < k; a++) {
                if (theta[a] > theta[pick]) {
                    pick = a;
                }
            }
            boolean match = pick == log.items()[t];
            if (match) {
                matched++;
                clicks += log.clicks()[t] ? 1 : 0;
            }
            if (match || observeLog) {
                // test-then-learn: row t is learned only after the policy chose for it
                learn(table, segment, keys[log.items()[t]], log.clicks()[t]);
            }
        }
        return new long[] {matched, clicks};
    }

    private static void learn(BanditTable table, int segment, long key, boolean click) {
        table.recordImpression(segment, key);
        if (click) {
            table.recordClick(segment, key);
        }
    }

    /**
     * Pearson's chi-square statistic of the 2 × arms table (clicked, not clicked) × arm, over the arms
     * with at least one impression: {@code Σ_a (c_a − n_a·p)² / (n_a·p·(1−p))} with {@code p} the log's CTR.
     */
    static double chiSquare(long[] impressions, long[] clicks) {
        long n = 0;
        long c = 0;
        for (int a = 0; a < impressions.length; a++) {
            n += impressions[a];
            c += clicks[a];
        }
        double p = n == 0 ? 0 : (double) c / n;
        if (p == 0 || p == 1) {
            return 0;
        }
        double chi = 0;
        for (int a = 0; a < impressions.length; a++) {
            if (impressions[a] > 0) {
                double e = impressions[a] * p;
                double d = clicks[a] - e;
                chi += d * d / (e * (1 - p));
            }
        }
        return chi;
    }

    /**
     * Whether {@code log}'s arms have detectably different CTRs: Pearson's chi-square test of the clicks
     * × arm table (arms without impressions left out), its asymptotic p-value, and a permutation p-value
     * ({@code permutations} reshufflings of the click labels over the log's rows, seeded; (1 + #{χ²_perm ≥ χ²}) /
     * (1 + permutations)), which stays valid with the about one expected click per arm these logs have.
     */
    static Map<String, Object> armHomogeneity(Log log, long seed, int permutations) {
        int k = log.arms();
        long[] n = new long[k];
        long[] c = new long[k];
        int clicked = 0;
        for (int t = 0; t < log.items().length; t++) {
            n[log.items()[t]]++;
            if (log.clicks()[t]) {
                c[log.items()[t]]++;
                clicked++;
            }
        }
        int used = 0;
        for (long x : n) {
            used += x > 0 ? 1 : 0;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("arms_shown", used);
        m.put("clicks", clicked);
        double observed = chiSquare(n, c);
        m.put("chi2", observed);
        m.put("df", Math.max(0, used - 1));
        if (used < 2 || clicked == 0 || clicked == log.items().length) {
            m.put("p_asymptotic", 1.0);
            m.put("p_permutation", 1.0);
            return m;
        }
        long[][] table = new long[2][used];
        for (int a = 0, j = 0; a < k; a++) {
            if (n[a] > 0) {
                table[0][j] = c[a];
                table[1][j] = n[a] - c[a];
                j++;
            }
        }
        m.put("p_asymptotic", ChiSquareTest.withDefaults().test(table).getPValue());
        // permutation: the clicked rows are a uniform draw of `clicked` rows out of all of them
        SplittableRandom rnd = new SplittableRandom(seed ^ 0x6f62645f63686932L);
        int rows = log.items().length;
        int[] idx = new int[rows];
        for (int i = 0; i < rows; i++) {
            idx[i] = i;
        }
        long[] pc = new long[k];
        int atLeast = 0;
        for (int r = 0; r < permutations; r++) {
            java.util.Arrays.fill(pc, 0);
            for (int i = 0; i < clicked; i++) { // partial Fisher-Yates: idx[0..clicked) is a uniform draw
                int j = i + rnd.nextInt(rows - i);
                int tmp = idx[i];
                idx[i] = idx[j];
                idx[j] = tmp;
                pc[log.items()[idx[i]]]++;
            }
            if (chiSquare(n, pc) >= observed - 1e-9 * Math.abs(observed)) {
                atLeast++;
            }
        }
        m.put("p_permutation", (1.0 + atLeast) / (1.0 + permutations));
        m.put("permutations", permutations);
        return m;
    }

    /** Chi-square test (no continuity correction) that two logs have the same CTR. */
    static Map<String, Object> compareCtr(long clicksA, long nA, long clicksB, long nB) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ctr_difference", (nA == 0 ? 0 : (double) clicksA / nA) - (nB == 0 ? 0 : (double) clicksB / nB));
        if (nA == 0 || nB == 0 || clicksA + clicksB == 0 || clicksA + clicksB == nA + nB) {
            m.put("chi2", 0.0);
            m.put("p", 1.0);
            return m;
        }
        SignificanceResult r = ChiSquareTest.withDefaults().test(new long[][] {{clicksA, clicksB}, {nA - clicksA, nB - clicksB}});
        m.put("chi2", r.getStatistic());
        m.put("p", r.getPValue());
        return m;
    }

    static Map<String, Object> ctrEntry(long clicks, long n, long effectiveN) {
        double p = n == 0 ? 0 : (double) clicks / n;
        double[] ci = wilson(p, effectiveN);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ctr", p);
        m.put("ci95_low", ci[0]);
        m.put("ci95_high", ci[1]);
        m.put("impressions", n);
        m.put("clicks", clicks);
        if (effectiveN != n) {
            m.put("impressions_per_run", effectiveN);
        }
        return m;
    }

    /** 95% Wilson score interval of a proportion {@code p} observed on {@code n} trials. */
    public static double[] wilson(double p, long n) {
        if (n == 0) {
            return new double[] {0, 1};
        }
        double z = 1.959963984540054;
        double z2n = z * z / n;
        double centre = (p + z2n / 2) / (1 + z2n);
        double half = z / (1 + z2n) * Math.sqrt(p * (1 - p) / n + z * z / (4.0 * n * n));
        return new double[] {Math.max(0, centre - half), Math.min(1, centre + half)};
    }

    /** Reads an OBD log ({@code ,timestamp,item_id,position,click,...}), sorted by timestamp (file order on ties). */
    static Log read(Path csv) throws IOException {
        List<String[]> rows = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(csv, StandardCharsets.UTF_8)) {
            String header = r.readLine();
            if (header == null) {
                throw new IOException(csv + " is empty");
            }
            List<String> cols = List.of(header.split(","));
            int ts = cols.indexOf("timestamp");
            int item = cols.indexOf("item_id");
            int click = cols.indexOf("click");
            int position = cols.indexOf("position");
            if (ts < 0 || item < 0 || click < 0) {
                throw new IOException(csv + ": expected columns timestamp, item_id and click; header is " + header);
            }
            String s;
            while ((s = r.readLine()) != null) {
                if (!s.isBlank()) {
                    String[] f = s.split(",", Math.max(Math.max(ts, position), Math.max(item, click)) + 2);
                    rows.add(new String[] {f[ts], f[item], f[click], position < 0 ? "0" : f[position]});
                }
            }
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            order.add(i);
        }
        order.sort((a, b) -> rows.get(a)[0].compareTo(rows.get(b)[0]));
        String[] times = new String[rows.size()];
        int[] items = new int[rows.size()];
        boolean[] clicks = new boolean[rows.size()];
        int[] positions = new int[rows.size()];
        int arms = 0;
        try {
            for (int i = 0; i < rows.size(); i++) {
                String[] f = rows.get(order.get(i));
                times[i] = f[0];
                items[i] = Integer.parseInt(f[1].trim());
                clicks[i] = Integer.parseInt(f[2].trim()) != 0;
                positions[i] = Integer.parseInt(f[3].trim());
                arms = Math.max(arms, items[i] + 1);
            }
        } catch (NumberFormatException e) {
            throw new UncheckedIOException(new IOException(csv + ": " + e.getMessage(), e));
        }
        Path ctx = csv.resolveSibling("item_context.csv");
        if (Files.exists(ctx)) {
            arms = Math.max(arms, (int) Files.lines(ctx).skip(1).filter(l -> !l.isBlank()).count());
        }
        return new Log(times, items, positions, clicks, arms);
    }
}
