package dev.hyperrec.topology.internal;

import dev.hyperrec.topology.DeadLetter;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/** The dead-letter form of a record: its raw key and value, with the reason and the origin in headers. */
final class DeadLetters {
    private DeadLetters() {
    }

    static Record<Object, Object> of(Record<byte[], byte[]> record, DeadLetter reason, String detail,
            Optional<RecordMetadata> origin) {
        RecordHeaders headers = new RecordHeaders(record.headers().toArray());
        headers.add(DeadLetter.HEADER_REASON, reason.name().getBytes(StandardCharsets.UTF_8));
        headers.add(DeadLetter.HEADER_DETAIL, truncate(detail).getBytes(StandardCharsets.UTF_8));
        origin.ifPresent(m -> {
            headers.add(DeadLetter.HEADER_TOPIC, m.topic().getBytes(StandardCharsets.UTF_8));
            headers.add(DeadLetter.HEADER_PARTITION, Integer.toString(m.partition()).getBytes(StandardCharsets.UTF_8));
            headers.add(DeadLetter.HEADER_OFFSET, Long.toString(m.offset()).getBytes(StandardCharsets.UTF_8));
        });
        return new Record<>(record.key(), record.value(), record.timestamp(), headers);
    }

    private static String truncate(String s) {
        return s == null ? "" : s.length() > 500 ? s.substring(0, 500) : s;
    }
}
