package dev.hyperrec.topology.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** The soak's live-heap probe, on this test JVM: it sees retained memory and not garbage. */
class SoakLiveHeapTest {

    @Test
    void liveHeapFollowsRetainedMemoryAndIgnoresGarbage() throws Exception {
        long pid = ProcessHandle.current().pid();
        double before = Soak.liveHeapMb(pid);
        assertThat(before).isPositive().isLessThan(Runtime.getRuntime().maxMemory() / (1024.0 * 1024.0));
        byte[] retained = new byte[48 << 20];
        retained[retained.length - 1] = 1;
        for (int i = 0; i < 64; i++) {
            byte[] garbage = new byte[1 << 20];
            garbage[0] = (byte) i;
        }
        double after = Soak.liveHeapMb(pid);
        assertThat(after - before).isCloseTo(48.0, within(8.0));
        assertThat(retained[retained.length - 1]).isEqualTo((byte) 1);
    }

    @Test
    void parsesTheTotalLineOfAClassHistogram() {
        String h = " num     #instances         #bytes  class name (module)\n"
                + "   1:          1200        5242880  [B (java.base@17)\n"
                + "Total          1200        5242880\n";
        assertThat(Soak.histogramTotalMb(h)).isEqualTo(5.0);
        assertThat(Soak.histogramTotalMb("no histogram")).isNaN();
    }
}
