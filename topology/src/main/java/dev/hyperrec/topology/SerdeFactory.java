package dev.hyperrec.topology;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;

/** Creates the Avro value Serdes of the topology (the registry-backed ones, or a configured plug-in). */
@FunctionalInterface
public interface SerdeFactory {
    <T extends SpecificRecord> Serde<T> serde(Class<T> type, boolean isKey);
}
