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
 */
public final class BanditReplay {
    public static final int RUNS = 10;

    /** One log: item and click per impression, in time order. */
    record Log(int[] items, int[] positions, boolean[] clicks, int arms) {
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
                + "choosing for the current one");
        List<Map<String, Object>> campaigns = new ArrayList<>();
        long[] tot = new long[6];
        long[] warm = new long[3]; // replay matched, clicks, per-run matched; random n, clicks; (bts below)
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
            try (OperatorBackend ops = Backends.open(BackendKind.CPU)) {
                o = replay(r, ops, seed, false);
                w = replay(r, ops, seed, true);
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("campaign", c);
            m.put("arms", r.arms());
            m.put("hyperrec_ts", ctrEntry(o.clicks(), o.matched(), o.matchedPerRun()));
            m.put("hyperrec_ts_observing_log", ctrEntry(w.clicks(), w.matched(), w.matchedPerRun()));
            m.put("logged_bts", ctrEntry(b.clickCount(), b.items().length, b.items().length));
            m.put("logged_random", ctrEntry(r.clickCount(), r.items().length, r.items().length));
            campaigns.add(m);
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
        pooled.put("logged_bts", ctrEntry(btsC, btsN, btsN));
        pooled.put("logged_random", ctrEntry(tot[4], tot[3], tot[3]));
        out.put("pooled", pooled);
        double ts = tot[0] == 0 ? 0 : (double) tot[1] / tot[0];
        double bt = btsN == 0 ? 0 : (double) btsC / btsN;
        out.put("hyperrec_ctr", ts);
        out.put("hyperrec_observing_log_ctr", warm[0] == 0 ? 0 : (double) warm[1] / warm[0]);
        out.put("logged_bts_ctr", bt);
        out.put("logged_random_ctr", tot[3] == 0 ? 0 : (double) tot[4] / tot[3]);
        out.put("hyperrec_ge_logged_bts", ts >= bt);
        return out;
    }

    /** {@value #RUNS} replays of {@code log} with sampler seeds derived from {@code seed}, pooled. */
    public static Outcome replay(Log log, OperatorBackend ops, long seed, boolean observeLog) {
        long matched = 0;
        long clicks = 0;
        for (int run = 0; run < RUNS; run++) {
            try (ThompsonSampler sampler = ops.newThompsonSampler(seed * 1_000_003L + run)) {
                long[] o = replayOnce(log, sampler, observeLog);
                matched += o[0];
                clicks += o[1];
            }
        }
        return Outcome.of(matched, clicks);
    }

    /** One replay; returns {matched impressions, clicks}. */
    static long[] replayOnce(Log log, ThompsonSampler sampler, boolean observeLog) {
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
        for (int t = 0; t < log.items().length; t++) {
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
                long key = keys[log.items()[t]];
                table.recordImpression(segment, key);
                if (log.clicks()[t]) {
                    table.recordClick(segment, key);
                }
            }
        }
        return new long[] {matched, clicks};
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
        int[] items = new int[rows.size()];
        boolean[] clicks = new boolean[rows.size()];
        int[] positions = new int[rows.size()];
        int arms = 0;
        try {
            for (int i = 0; i < rows.size(); i++) {
                String[] f = rows.get(order.get(i));
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
        return new Log(items, positions, clicks, arms);
    }
}
