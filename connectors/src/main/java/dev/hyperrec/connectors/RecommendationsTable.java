package dev.hyperrec.connectors;

import java.sql.Array;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The sink's table in PostgreSQL (connectors/sql/recommendations.sql): creates it under a given name
 * and reads it back.
 */
public final class RecommendationsTable {
    /** The default table and view names of the DDL. */
    public static final String DEFAULT_TABLE = "recommendations";
    public static final String DEFAULT_VIEW = "recommendation_ranks";
    private static final Pattern SAFE_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    /** One user's row. */
    public record Row(String userId, String recommendationId, List<String> itemIds, List<Float> scores,
            List<String> reasons, Instant generatedAt, Instant syncedAt) {
        /** Seconds from the app computing the list to the sink writing it. */
        public double lagSeconds() {
            return (syncedAt.toEpochMilli() - generatedAt.toEpochMilli()) / 1000.0;
        }
    }

    private RecommendationsTable() {
    }

    /** The view name that goes with {@code table} ({@code recommendations} → {@code recommendation_ranks}). */
    public static String viewFor(String table) {
        return DEFAULT_TABLE.equals(table) ? DEFAULT_VIEW : table + "_ranks";
    }

    /** Creates the table, its {@code synced_at} trigger and its per-rank view, named {@code table}. */
    public static void create(Connection c, String table) throws SQLException {
        if (!SAFE_NAME.matcher(table).matches()) {
            throw new IllegalArgumentException("table name '" + table + "' must match " + SAFE_NAME);
        }
        String ddl = SinkConfigs.tableDdl()
                .replace(DEFAULT_VIEW, viewFor(table))
                .replaceAll("\\b" + DEFAULT_TABLE + "\\b", table);
        try (Statement s = c.createStatement()) {
            s.execute(ddl);
        }
    }

    /** Every row, keyed by user id. */
    public static Map<String, Row> snapshot(Connection c, String table) throws SQLException {
        Map<String, Row> rows = new LinkedHashMap<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT user_id, recommendation_id, item_ids, scores, reasons, generated_at,"
                        + " synced_at FROM " + table + " ORDER BY user_id")) {
            while (rs.next()) {
                rows.put(rs.getString(1), new Row(rs.getString(1), rs.getString(2), strings(rs.getArray(3)),
                        floats(rs.getArray(4)), strings(rs.getArray(5)), rs.getTimestamp(6).toInstant(),
                        rs.getTimestamp(7).toInstant()));
            }
        }
        return rows;
    }

    private static List<String> strings(Array a) throws SQLException {
        return Arrays.stream((Object[]) a.getArray()).map(String::valueOf).toList();
    }

    private static List<Float> floats(Array a) throws SQLException {
        return Arrays.stream((Object[]) a.getArray()).map(o -> ((Number) o).floatValue()).toList();
    }
}
