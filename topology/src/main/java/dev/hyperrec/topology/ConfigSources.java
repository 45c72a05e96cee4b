package dev.hyperrec.topology;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

/**
 * Where configuration comes from, with one precedence shared by {@link HyperrecApp} and every
 * {@code hyperrec} command (docs/operations.md, "Configuration precedence"):
 *
 * <pre>
 *   flags  &gt;  environment (HYPERREC_*)  &gt;  config file  &gt;  command defaults  &gt;  built-in defaults
 * </pre>
 *
 * <ul>
 *   <li>config file: a {@code .properties} file named by {@code --config} (or, without that flag, by
 *       the environment variable {@value #CONFIG_FILE_ENV});</li>
 *   <li>environment: {@code HYPERREC_<KEY>} with {@code _} → {@code .}, lower-cased; it names the
 *       {@code hyperrec.} key of that name when one exists ({@code HYPERREC_BACKEND} →
 *       {@code hyperrec.backend}), else the pass-through Kafka/registry key
 *       ({@code HYPERREC_BOOTSTRAP_SERVERS} → {@code bootstrap.servers}); variables in
 *       {@link #NON_CONFIG_ENV} configure the launcher, not the app;</li>
 *   <li>command defaults: what a command sets for itself below the user's settings (e.g. the
 *       evaluation's CPU backend and tuned ranking weights).</li>
 * </ul>
 */
public final class ConfigSources {
    /** Where a resolved value came from, lowest precedence first. */
    public enum Origin {
        DEFAULT, COMMAND, FILE, ENV, FLAG;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public static final String ENV_PREFIX = "HYPERREC_";
    /** Names the config file when no {@code --config} flag is given. */
    public static final String CONFIG_FILE_ENV = "HYPERREC_CONFIG";
    /** {@code HYPERREC_*} variables that are not configuration keys (launcher and build settings). */
    public static final Set<String> NON_CONFIG_ENV = Set.of(CONFIG_FILE_ENV, "HYPERREC_REGISTRY_DIR",
            "HYPERREC_SKIP_BUILD", "HYPERREC_JAVA_OPTS");

    /** The merged values (built-in defaults included), each key's origin, and the file read (or null). */
    public record Resolved(Map<String, String> values, Map<String, Origin> origins, Path file) {
        public Resolved {
            values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
            origins = Collections.unmodifiableMap(new LinkedHashMap<>(origins));
        }

        /** Validates and returns the configuration. */
        public HyperrecConfig config() {
            return HyperrecConfig.of(values);
        }

        /** Whether {@code key} was set anywhere above the built-in and command defaults. */
        public boolean isUserSet(String key) {
            Origin o = origins.get(key);
            return o == Origin.FILE || o == Origin.ENV || o == Origin.FLAG;
        }

        /** One {@code key = value  (origin)} line per key, sorted, secrets hidden. */
        public String describe() {
            StringBuilder sb = new StringBuilder();
            if (file != null) {
                sb.append("# config file: ").append(file).append('\n');
            }
            new TreeMap<>(values).forEach((k, v) -> sb.append(k).append(" = ")
                    .append(HyperrecConfig.isSecret(k) ? "[hidden]" : v)
                    .append("  (").append(origins.get(k).id()).append(")\n"));
            return sb.toString();
        }
    }

    private ConfigSources() {
    }

    /**
     * Merges the sources by the precedence in the class comment.
     *
     * @param commandDefaults the command's own defaults (may be empty)
     * @param file            the {@code --config} file, or null to use {@value #CONFIG_FILE_ENV} if set
     * @param env             the process environment (tests pass their own)
     * @param flags           keys set by command-line flags; null values are ignored
     */
    public static Resolved resolve(Map<String, ?> commandDefaults, Path file, Map<String, String> env, Map<String, ?> flags) {
        Map<String, String> values = new LinkedHashMap<>(HyperrecConfig.defaults());
        Map<String, Origin> origins = new LinkedHashMap<>();
        values.keySet().forEach(k -> origins.put(k, Origin.DEFAULT));
        put(values, origins, commandDefaults, Origin.COMMAND);
        Path f = file;
        if (f == null && env.get(CONFIG_FILE_ENV) != null && !env.get(CONFIG_FILE_ENV).isBlank()) {
            f = Path.of(env.get(CONFIG_FILE_ENV));
        }
        if (f != null) {
            put(values, origins, fromFile(f), Origin.FILE);
        }
        put(values, origins, fromEnvironment(env), Origin.ENV);
        put(values, origins, flags, Origin.FLAG);
        return new Resolved(values, origins, f);
    }

    private static void put(Map<String, String> values, Map<String, Origin> origins, Map<String, ?> layer, Origin origin) {
        layer.forEach((k, v) -> {
            if (v != null) {
                values.put(k, String.valueOf(v));
                origins.put(k, origin);
            }
        });
    }

    /** The keys of a {@code .properties} file. */
    public static Map<String, String> fromFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("config file " + file + " does not exist or is not a file");
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read config file " + file, e);
        }
        Map<String, String> m = new TreeMap<>();
        p.stringPropertyNames().forEach(k -> m.put(k, p.getProperty(k)));
        return m;
    }

    /** The configuration keys named by {@code HYPERREC_*} variables (see the class comment). */
    public static Map<String, String> fromEnvironment(Map<String, String> env) {
        Map<String, String> m = new TreeMap<>();
        new TreeMap<>(env).forEach((name, value) -> {
            if (name.startsWith(ENV_PREFIX) && name.length() > ENV_PREFIX.length() && !NON_CONFIG_ENV.contains(name)) {
                m.put(keyOf(name), value);
            }
        });
        return m;
    }

    /** The key an environment variable {@code HYPERREC_…} sets. */
    public static String keyOf(String envName) {
        String key = envName.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
        String hyperrec = "hyperrec." + key;
        return HyperrecConfig.defaults().containsKey(hyperrec) || HyperrecConfig.OPTIONAL_KEYS.contains(hyperrec) ? hyperrec : key;
    }

    /** The environment variable that sets {@code key}: {@code hyperrec.metrics.port} → {@code HYPERREC_METRICS_PORT}. */
    public static String envName(String key) {
        String k = key.startsWith("hyperrec.") ? key.substring("hyperrec.".length()) : key;
        return ENV_PREFIX + k.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }
}
