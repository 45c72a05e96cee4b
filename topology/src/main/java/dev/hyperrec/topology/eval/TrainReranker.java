package dev.hyperrec.topology.eval;

import dev.hyperrec.operators.AttentionWeights;
import dev.hyperrec.operators.Backends;
import dev.hyperrec.operators.OperatorBackend;
import dev.hyperrec.topology.ConfigSources;
import dev.hyperrec.topology.HyperrecConfig;
import dev.hyperrec.topology.demo.MovieLens;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Trains the attention reranker's weights from an interaction log and writes a versioned weight
 * file the app loads ({@code hyperrec.rerank.weights.file}) and hot-swaps when it is replaced. The
 * log is replayed in time order through the pipeline's engine (the {@code hyperrec} method of the
 * evaluation); every list ranked for a positive event is recorded with its top-M candidates, and the
 * event's item, once the event is learned, makes it a training example (the candidate the user chose
 * against the ranker's other top candidates). The weights are then fitted on all examples (softmax
 * ranking loss, {@link dev.hyperrec.operators.AttentionTrainer}) and written atomically.
 */
@Command(name = "train-reranker", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Learns the attention reranker's weights from a ratings log; writes a versioned weight file.")
public final class TrainReranker implements Callable<Integer> {
    @Option(names = "--ratings", required = true, paramLabel = "PATH", description = "MovieLens ratings.csv or u.data")
    Path ratings;
    @Option(names = "--out", required = true, paramLabel = "FILE", description = "the weight file to write (replaced atomically)")
    Path out;
    @Option(names = "--version", description = "version label (default: reranker-<UTC time>)")
    String version;
    @Option(names = "--epochs", defaultValue = "3", description = "passes over the examples (default: ${DEFAULT-VALUE})")
    int epochs;
    @Option(names = "--seed", defaultValue = "42", description = "seed of the replay and of the training (default: ${DEFAULT-VALUE})")
    long seed;
    @Option(names = "--config", paramLabel = "FILE", description = "properties with hyperrec.* overrides (heads, candidates, ranking weights)")
    Path configFile;

    public static void main(String[] args) {
        System.exit(new CommandLine(new TrainReranker()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Map<String, String> command = new LinkedHashMap<>();
        command.put(HyperrecConfig.BACKEND, "cpu");
        HyperrecConfig config = ConfigSources.resolve(command, configFile, System.getenv(), new HashMap<>()).config();
        String label = version != null ? version : "reranker-" + DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
                .withZone(ZoneOffset.UTC).format(Instant.now());
        Prequential.Dataset data = Prequential.Dataset.of(Evaluate.datasetName(ratings), MovieLens.read(ratings), 0.2);
        long t0 = System.nanoTime();
        try (OperatorBackend ops = Backends.open(config.backend(), config.backendOptions())) {
            PrequentialReranker reranker = new PrequentialReranker(ops, config.getInt(HyperrecConfig.RERANK_HEADS),
                    config.getInt(HyperrecConfig.RERANK_CANDIDATES), Integer.MAX_VALUE, 0, seed);
            try (EngineRecommender method = (EngineRecommender) Evaluate.create("hyperrec", data, ops, config.with(
                    HyperrecConfig.RERANK_WEIGHTS_FILE, "").with(HyperrecConfig.RANK_WEIGHT_GRAPH, 0), seed)) {
                method.withAttention(reranker);
                Prequential.run(data, method, null);
            }
            double replay = (System.nanoTime() - t0) / 1e9;
            AttentionWeights w = reranker.trainAll(label, epochs);
            w.write(out);
            System.out.printf(Locale.ROOT, "train-reranker: %s from %,d examples (replay %.1f s, total %.1f s) -> %s%n", w,
                    reranker.examples(), replay, (System.nanoTime() - t0) / 1e9, out);
        }
        return 0;
    }
}
