package dev.hyperrec.topology.cli;

import dev.hyperrec.topology.demo.Demo;
import dev.hyperrec.topology.eval.Evaluate;
import dev.hyperrec.topology.tools.Chaos;
import dev.hyperrec.topology.tools.EngineBench;
import dev.hyperrec.topology.tools.FuzzInput;
import dev.hyperrec.topology.tools.PipelineBench;
import dev.hyperrec.topology.tools.Soak;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code hyperrec} command (scripts/hyperrec): one entry point for the app and its tools.
 * Subcommands wrap the existing entry points: {@code run} → {@link dev.hyperrec.topology.HyperrecApp},
 * {@code replay} → {@link Demo}, {@code evaluate} → {@link Evaluate}, {@code train-reranker} →
 * {@link dev.hyperrec.topology.eval.TrainReranker}, {@code bench soak|chaos|fuzz-input|pipeline}
 * → {@link Soak}, {@link Chaos}, {@link FuzzInput}, {@link PipelineBench}; {@code topics create|verify} uses
 * {@link dev.hyperrec.topology.TopicSetup}. Configuration precedence: {@link ConfigOptions}.
 */
@Command(name = "hyperrec", mixinStandardHelpOptions = true, versionProvider = HyperrecCli.Version.class,
        description = {"Kafka-native, GPU-accelerated real-time recommendations.", "",
                "Configuration precedence (run, topics, replay, evaluate):",
                "  flags > environment (HYPERREC_*) > --config file > command defaults > built-in defaults"},
        subcommands = {RunCommand.class, CommandLine.HelpCommand.class})
public final class HyperrecCli implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    /** The environment the commands read ({@code HYPERREC_*}); tests pass their own. */
    final Map<String, String> env;

    public HyperrecCli() {
        this(System.getenv());
    }

    public HyperrecCli(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    /** The command line with every subcommand, reading {@code env}. */
    public static CommandLine commandLine(Map<String, String> env) {
        CommandLine cl = new CommandLine(new HyperrecCli(env));
        cl.addSubcommand("topics", new CommandLine(new TopicsCommand())
                .addSubcommand("create", new TopicsCommand.Create())
                .addSubcommand("verify", new TopicsCommand.Verify()));
        cl.addSubcommand("replay", new CommandLine(new Demo().environment(env)).setCommandName("replay"));
        cl.addSubcommand("evaluate", new Evaluate().environment(env));
        cl.addSubcommand("train-reranker", new dev.hyperrec.topology.eval.TrainReranker());
        cl.addSubcommand("bench", new CommandLine(new Bench())
                .addSubcommand("soak", new Soak())
                .addSubcommand("chaos", new Chaos())
                .addSubcommand("fuzz-input", new FuzzInput())
                .addSubcommand("pipeline", new PipelineBench())
                .addSubcommand("engine", new EngineBench()));
        cl.setUsageHelpWidth(110);
        return cl;
    }

    public static void main(String[] args) {
        System.exit(commandLine(System.getenv()).execute(args));
    }

    @Override
    public Integer call() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing required subcommand");
    }

    /** {@code hyperrec bench}: the harnesses. */
    @Command(name = "bench", mixinStandardHelpOptions = true,
            description = {"Harnesses (soak, chaos, fuzz-input, pipeline) on real components.",
                    "Each loads the pipeline and ends with one summary line:",
                    "  soak        half the measured maximum throughput for --minutes; heap, RSS, lag (docs/benchmarks/soak.*)",
                    "  chaos       SIGKILLs the app during a replay; compares its state with an uninterrupted run",
                    "  fuzz-input  malformed records between good ones; every bad one dead-lettered, every good one processed",
                    "  pipeline    events in -> recommendations out vs a passthrough Streams app: events/s, latency (docs/benchmarks/pipeline-*)",
                    "The GPU operator benchmark runs on a GPU machine: scripts/bench-gpu.sh (docs/benchmarks.md)."})
    static final class Bench implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            throw new CommandLine.ParameterException(spec.commandLine(), "Missing required subcommand (soak, chaos, fuzz-input or pipeline)");
        }
    }

    /** {@code --version}: the jar's Implementation-Version, else the build's. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = HyperrecCli.class.getPackage().getImplementationVersion();
            return new String[] {"hyperrec " + (v != null ? v : "0.1.0-SNAPSHOT")};
        }
    }
}
