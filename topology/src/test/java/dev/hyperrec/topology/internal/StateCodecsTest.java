package dev.hyperrec.topology.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hyperrec.operators.SketchState;
import dev.hyperrec.topology.engine.PendingEvent;
import dev.hyperrec.topology.engine.UserHistory;
import org.junit.jupiter.api.Test;

class StateCodecsTest {

    @Test
    void pendingEventsRoundTripWithAndWithoutOptionalFields() {
        PendingEvent full = new PendingEvent(42, true, "r1", "alice", null, -1, 0f, 1000, 2000, null, 7, 25,
                new float[] {1f, -2.5f, Float.MIN_VALUE});
        PendingEvent decoded = PendingEvent.decode(full.encode());
        assertThat(decoded).usingRecursiveComparison().isEqualTo(full);
        PendingEvent interaction = new PendingEvent(1, false, "e1", "bob", "i9", 2, 4.5f, 5, 6, "evt:x", 0, 0, null);
        assertThat(PendingEvent.decode(interaction.encode())).usingRecursiveComparison().isEqualTo(interaction);
    }

    @Test
    void pendingEventOfAnUnknownEncodingVersionIsRefused() {
        byte[] bytes = new PendingEvent(1, false, "e", "u", "i", 0, 1f, 0, 0, null, 0, 0, null).encode();
        bytes[0] = 9;
        assertThatThrownBy(() -> PendingEvent.decode(bytes)).hasMessageContaining("version 9");
    }

    @Test
    void userHistoryKeepsTheNewestSeenKeysAndMovesRecentItemsToTheFront() {
        UserHistory h = new UserHistory(3);
        for (long k = 1; k <= 5; k++) {
            h.addSeen(k, 4);
        }
        h.addSeen(5, 4);
        assertThat(h.seenSize()).isEqualTo(4);
        assertThat(h.hasSeen(1)).isFalse();
        assertThat(h.hasSeen(2)).isTrue();
        h.touchRecent(10);
        h.touchRecent(11);
        h.touchRecent(12);
        h.touchRecent(13);
        assertThat(h.recent()).containsExactly(13, 12, 11);
        h.touchRecent(11);
        assertThat(h.recent()).containsExactly(11, 13, 12);
        UserHistory back = UserHistory.decode(h.encode(), 3);
        assertThat(back.recent()).containsExactly(11, 13, 12);
        assertThat(back.seenSize()).isEqualTo(4);
        assertThat(back.seenAt(0)).isEqualTo(2);
    }

    @Test
    void codecsRoundTripVectorsLongsAndSketchMetadata() {
        float[] v = {0.5f, -1f, 3.25f};
        assertThat(Codecs.floats(Codecs.floats(v, 0, 3))).containsExactly(v);
        assertThat(Codecs.longs(Codecs.longs(1, -2, Long.MAX_VALUE))).containsExactly(1, -2, Long.MAX_VALUE);
        SketchState s = new SketchState(3, 2, new long[] {1, 2, 3, 4, 5, 6}, 21, 4, new long[] {9, 8});
        SketchState back = Codecs.sketch(Codecs.sketch(s));
        assertThat(back).isEqualTo(s);
    }
}
