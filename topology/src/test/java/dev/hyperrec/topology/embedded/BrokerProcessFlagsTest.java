package dev.hyperrec.topology.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The broker JVM's memory and collector flags, and HYPERREC_BROKER_JAVA_OPTS on top of them. */
class BrokerProcessFlagsTest {

    @Test
    void aSmallHeapAndTheSerialCollectorByDefault() {
        assertThat(BrokerProcess.memoryFlags(null)).containsExactly("-Xmx512m", "-XX:+UseSerialGC");
        assertThat(BrokerProcess.memoryFlags("  ")).containsExactly("-Xmx512m", "-XX:+UseSerialGC");
    }

    @Test
    void extraFlagsComeAfterSoALaterHeapWins() {
        assertThat(BrokerProcess.memoryFlags(" -Xmx4g  -Xlog:gc:file=/tmp/gc.txt "))
                .containsExactly("-Xmx512m", "-XX:+UseSerialGC", "-Xmx4g", "-Xlog:gc:file=/tmp/gc.txt");
    }

    @Test
    void aNamedCollectorReplacesTheSerialOne() {
        assertThat(BrokerProcess.memoryFlags("-Xmx4g -XX:+UseG1GC -XX:MaxGCPauseMillis=20"))
                .containsExactly("-Xmx512m", "-Xmx4g", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20");
        assertThat(BrokerProcess.memoryFlags("-XX:+UseZGC")).containsExactly("-Xmx512m", "-XX:+UseZGC");
    }
}
