package dev.hyperrec.topology.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hyperrec.topology.engine.PendingEvent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class BufferChunkTest {

    private static PendingEvent event(long seq, boolean request) {
        return new PendingEvent(seq, request, "e-" + seq, "user-" + (seq % 3), request ? null : "item-" + seq, request ? -1 : 1,
                0.5f * seq, 1_000 + seq, 2_000 + seq, seq % 2 == 0 ? null : "evt:e-" + (seq - 1), (int) (seq % 4),
                request ? 5 : 0, request ? new float[] {1f, -2f, 0.25f} : null);
    }

    /** A record's fields, the query's values included (a record's equals compares the array by identity). */
    private static String render(PendingEvent e) {
        return e.toString().replaceAll("query=\\[F@\\p{XDigit}+", "query=" + Arrays.toString(e.query()));
    }

    @Test
    void aChunkIsItsEventsInTheOrderAppended() {
        BufferChunk chunk = new BufferChunk();
        chunk.start(BufferChunk.of(130));
        List<String> appended = new ArrayList<>();
        byte[] value = null;
        for (long seq = 130; seq < 140; seq++) {
            PendingEvent e = event(seq, seq % 5 == 0);
            value = chunk.append(e.encode());
            appended.add(render(e));
            assertThat(BufferChunk.decode(value).stream().map(BufferChunkTest::render).toList()).isEqualTo(appended);
        }
        assertThat(chunk.id()).isEqualTo(2);
        assertThat(BufferChunk.isChunk(value)).isTrue();
        chunk.start(3);
        assertThat(BufferChunk.decode(chunk.append(event(192, false).encode()))).extracting(PendingEvent::seq).containsExactly(192L);
    }

    @Test
    void eventsMapToChunksOfSixtyFour() {
        assertThat(BufferChunk.of(0)).isZero();
        assertThat(BufferChunk.of(63)).isZero();
        assertThat(BufferChunk.of(64)).isEqualTo(1);
        assertThat(BufferChunk.of(64L * 1_000_000_000L + 5)).isEqualTo(1_000_000_000L);
    }

    @Test
    void aValueOfOneEventFromBeforeChunksIsToldApartAndACorruptChunkIsRefused() {
        byte[] single = event(7, false).encode();
        assertThat(BufferChunk.isChunk(single)).isFalse();
        assertThatThrownBy(() -> BufferChunk.decode(single)).isInstanceOf(IllegalStateException.class).hasMessageContaining("format");
        BufferChunk chunk = new BufferChunk();
        chunk.start(0);
        byte[] value = chunk.append(event(1, false).encode());
        assertThatThrownBy(() -> BufferChunk.decode(Arrays.copyOf(value, value.length - 3)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("truncated");
    }
}
