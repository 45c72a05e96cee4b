/**
 * hyperrec's schemas module: {@link dev.hyperrec.schemas.AvroSerdes} (the Serde factory the application uses)
 * and {@link dev.hyperrec.schemas.RegistrySerdeConfig} (every configuration key). The Avro records themselves
 * are generated into {@code dev.hyperrec.avro} from {@code src/main/avro}; the registry client lives in
 * {@link dev.hyperrec.schemas.registry}, the Serdes in {@link dev.hyperrec.schemas.serde}.
 */
package dev.hyperrec.schemas;
