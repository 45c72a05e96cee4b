package dev.hyperrec.connectors;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Connect configurations of connectors/config, packaged on the classpath, with their
 * {@code ${name}} placeholders filled in. Placeholders have no colon, so they never clash with
 * Connect's own config-provider references ({@code ${provider:path:key}}), which pass through.
 */
public final class SinkConfigs {
    /** The Kafka Connect standalone worker. */
    public static final String WORKER = "connect-standalone.properties";
    /** The sink through Apicurio's Confluent-compatible AvroConverter (the default path). */
    public static final String SINK_AVRO = "recommendations-jdbc-sink-avro.properties";
    /** The sink through JsonConverter with schemas (no registry). */
    public static final String SINK_JSON = "recommendations-jdbc-sink-json.properties";

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Za-z0-9_.-]+)}");

    private SinkConfigs() {
    }

    /** The raw text of a file of connectors/config. */
    public static String text(String file) {
        return resource("config/" + file);
    }

    /** The table DDL of connectors/sql/recommendations.sql. */
    public static String tableDdl() {
        return resource("sql/recommendations.sql");
    }

    /**
     * Loads {@code file} and replaces every {@code ${name}} by {@code values.get(name)}.
     *
     * @throws IllegalArgumentException naming the placeholders {@code values} does not fill
     */
    public static Map<String, String> load(String file, Map<String, String> values) {
        Properties p = new Properties();
        try {
            p.load(new java.io.StringReader(text(file)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> out = new LinkedHashMap<>();
        TreeSet<String> missing = new TreeSet<>();
        for (String key : new TreeSet<>(p.stringPropertyNames())) {
            Matcher m = PLACEHOLDER.matcher(p.getProperty(key));
            StringBuilder sb = new StringBuilder();
            while (m.find()) {
                String v = values.get(m.group(1));
                if (v == null) {
                    missing.add(m.group(1));
                    v = m.group();
                }
                m.appendReplacement(sb, Matcher.quoteReplacement(v));
            }
            m.appendTail(sb);
            out.put(key, sb.toString());
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException(file + " needs values for " + missing + " (given: " + new TreeSet<>(values.keySet()) + ")");
        }
        return out;
    }

    private static String resource(String path) {
        try (InputStream in = SinkConfigs.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("classpath resource dev/hyperrec/connectors/" + path
                        + " missing: connectors/pom.xml packages connectors/config and connectors/sql");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
