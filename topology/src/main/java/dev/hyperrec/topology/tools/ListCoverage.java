package dev.hyperrec.topology.tools;

import dev.hyperrec.avro.InteractionEvent;
import dev.hyperrec.avro.Recommendations;
import dev.hyperrec.operators.BanditTable;
import dev.hyperrec.operators.ItemKeys;
import dev.hyperrec.topology.engine.EventWeights;
import dev.hyperrec.topology.engine.Segments;
import dev.hyperrec.topology.internal.BanditLog;
import dev.hyperrec.topology.internal.Codecs;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KeyValue;

/**
 * What a read_committed reader of {@code recommendations} saw, checked against the input that made it (the crash
 * harness's oracle). Each list names its triggering event ({@code evt:<eventId>}); a list stands for its user's
 * triggering events up to and including its own (with {@code hyperrec.recs.coalesce} a list also stands for the events
 * of its user that its batch left without one; without it every event has its own list). So the input is
 * <em>covered</em> when, for every user, the list of their last triggering event has been read, and how far each
 * user is covered is the position of the latest of their events that has a list.
 *
 * <p>The bandit's state follows from the lists alone: each list records one impression per item under its event's
 * segment, and each rewarding event with a {@code recommendationId} one click, in the task of the user's partition.
 * {@link #expectedBandit} writes that out arm by arm, as {@link #banditArms(Map)} reads a changelog, so a run's {@code
 * bandit-params} can be compared with the lists its reader saw: an aborted transaction's impressions left in the
 * state, or a committed list's missing from it, both show.
 */
public final class ListCoverage {
    private static final HexFormat HEX = HexFormat.of();

    private final List<InteractionEvent> events;
    private final int partitions;
    /** eventId → {user index, position among that user's triggering events}. */
    private final Map<String, int[]> triggering = new HashMap<>();
    private final String[] userIds;
    private final int[] coveredPerUser;
    private final long total;
    private long covered;
    /** Each distinct list read: its items' keys (all the bandit needs of it). */
    private final Map<String, long[]> lists = new HashMap<>();
    private long copies;
    private long foreign;

    /** {@code events}: the input in the order it was published; {@code partitions}: the input topic's. */
    public ListCoverage(List<InteractionEvent> events, int partitions) {
        this.events = events;
        this.partitions = partitions;
        Map<String, Integer> users = new HashMap<>();
        List<String> ids = new ArrayList<>();
        List<Integer> counts = new ArrayList<>();
        long n = 0;
        for (InteractionEvent e : events) {
            if (!EventWeights.triggers(e.getType())) {
                continue;
            }
            int u = users.computeIfAbsent(e.getUserId(), k -> {
                ids.add(k);
                counts.add(0);
                return ids.size() - 1;
            });
            if (triggering.put(e.getEventId(), new int[] {u, counts.get(u)}) != null) {
                throw new IllegalArgumentException("event id " + e.getEventId() + " occurs twice in the input");
            }
            counts.set(u, counts.get(u) + 1);
            n++;
        }
        userIds = ids.toArray(String[]::new);
        coveredPerUser = new int[userIds.length];
        total = n;
    }

    /** Takes one list as read (a copy of one already read counts as a duplicate and changes nothing else). */
    public void accept(Recommendations r) {
        String id = r.getRecommendationId();
        if (lists.containsKey(id)) {
            copies++;
            return;
        }
        long[] keys = new long[r.getItems().size()];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = ItemKeys.hash64(r.getItems().get(i).getItemId());
        }
        lists.put(id, keys);
        int[] at = id.startsWith("evt:") ? triggering.get(id.substring(4)) : null;
        if (at == null || !userIds[at[0]].equals(r.getUserId())) {
            foreign++;
            return;
        }
        int u = at[0];
        if (at[1] + 1 > coveredPerUser[u]) {
            covered += at[1] + 1 - coveredPerUser[u];
            coveredPerUser[u] = at[1] + 1;
        }
    }

    /** Triggering events in the input. */
    public long triggering() {
        return total;
    }

    /** Triggering events that a list read so far stands for (its own, or an earlier one of its user's). */
    public long covered() {
        return covered;
    }

    /** Whether every user's last triggering event has its list. */
    public boolean complete() {
        return covered == total;
    }

    /** Distinct lists read. */
    public long lists() {
        return lists.size();
    }

    /** Lists read more than once (each extra copy counts). */
    public long duplicates() {
        return copies;
    }

    /** Lists that name no triggering event of the input, or name another user's. */
    public long foreign() {
        return foreign;
    }

    /** Triggering events without a list of their own (with coalescing, those a later list of their user stands for). */
    public long withoutOwnList() {
        long own = 0;
        for (String id : lists.keySet()) {
            if (id.startsWith("evt:") && triggering.containsKey(id.substring(4))) {
                own++;
            }
        }
        return total - own;
    }

    /**
     * The arms these lists imply for each task's {@code bandit-params}: "partition/arm-key-hex" (segment and item key, as
     * {@link Codecs#banditKey}) → hex of impressions and clicks, partition by Kafka's default partitioner on the user id's
     * UTF-8 bytes. {@link #banditArms(Map)} reads a changelog's final content into the same form.
     */
    public Map<String, String> expectedBandit() {
        Map<String, long[]> arms = new HashMap<>(); // changelog key → {impressions, clicks}
        Map<String, InteractionEvent> byId = new HashMap<>();
        for (InteractionEvent e : events) {
            byId.put(e.getEventId(), e);
            if (e.getRecommendationId() != null && EventWeights.rewards(e.getType())) {
                arm(arms, e, ItemKeys.hash64(e.getItemId()))[1]++;
            }
        }
        lists.forEach((id, items) -> {
            InteractionEvent e = id.startsWith("evt:") ? byId.get(id.substring(4)) : null;
            if (e != null) { // else a foreign list: counted by foreign(), nothing to expect from it
                for (long item : items) {
                    arm(arms, e, item)[0]++;
                }
            }
        });
        Map<String, String> out = new TreeMap<>();
        arms.forEach((key, c) -> out.put(key, HEX.formatHex(Codecs.longs(c[0], c[1]))));
        return out;
    }

    /**
     * The arms of a {@code bandit-params} changelog's final content (as {@link Chaos#changelog} reads it, any layout of
     * {@link BanditLog}), in {@link #expectedBandit}'s form: "partition/arm-key-hex" → hex of impressions and clicks.
     */
    public static Map<String, String> banditArms(Map<String, String> changelog) {
        Map<Integer, List<KeyValue<Bytes, byte[]>>> byPartition = new TreeMap<>();
        changelog.forEach((k, v) -> {
            int slash = k.indexOf('/');
            byPartition.computeIfAbsent(Integer.parseInt(k.substring(0, slash)), p -> new ArrayList<>())
                    .add(KeyValue.pair(Bytes.wrap(HEX.parseHex(k.substring(slash + 1))), HEX.parseHex(v)));
        });
        Map<String, String> out = new TreeMap<>();
        byPartition.forEach((p, records) -> out.putAll(banditArms(p, BanditLog.decode(records.iterator()))));
        return out;
    }

    /** {@code table}'s arms as the task of {@code partition} holds them, in {@link #expectedBandit}'s form. */
    public static Map<String, String> banditArms(int partition, BanditTable table) {
        Map<String, String> out = new TreeMap<>();
        table.forEach((segment, item, impressions, clicks) -> out.put(partition + "/" + HEX.formatHex(Codecs.banditKey(segment, item)),
                HEX.formatHex(Codecs.longs(impressions, clicks))));
        return out;
    }

    /** The counts of the arm of {@code e}'s segment and {@code itemKey} in the task of {@code e}'s user. */
    private long[] arm(Map<String, long[]> arms, InteractionEvent e, long itemKey) {
        String key = partition(e.getUserId()) + "/" + HEX.formatHex(Codecs.banditKey(Segments.of(e.getContext()), itemKey));
        return arms.computeIfAbsent(key, k -> new long[2]);
    }

    /** Kafka's default partitioner for a keyed record (murmur2 of the key's bytes). */
    int partition(String userId) {
        return Utils.toPositive(Utils.murmur2(userId.getBytes(StandardCharsets.UTF_8))) % partitions;
    }
}
