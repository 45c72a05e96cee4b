package dev.hyperrec.topology.rerank;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperrec.topology.engine.PendingEvent;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ContextFeaturesTest {

    private static PendingEvent at(String iso, int segment) {
        long t = Instant.parse(iso).toEpochMilli();
        return new PendingEvent(1, true, "r", "u", null, -1, 0f, t, t, null, segment, 10, null);
    }

    @Test
    void hourBucketDayOfWeekDeviceAndSocialAreOneHot() {
        ContextFeatures f = new ContextFeatures();
        float[] out = new float[ContextFeatures.WIDTH];
        // 2026-11-22 is a Sunday; 14:30 UTC is bucket 3 (12:00-16:00); segment 2*3+1 = desktop, solo
        f.features(at("2026-11-22T14:30:00Z", 7), 0, out);
        assertThat(out[3]).isEqualTo(1f);
        assertThat(out[6 + 6]).isEqualTo(1f);
        assertThat(out[14 + 1]).isEqualTo(1f);
        assertThat(out[18]).isEqualTo(1f);
        float sum = 0;
        for (float v : out) {
            sum += v;
        }
        assertThat(sum).isEqualTo(4f); // session length 0 adds log1p(0) = 0
        f.features(at("2026-11-23T00:10:00Z", 0), 0, out); // Monday, bucket 0, unknown device and social: zeros
        assertThat(out[0]).isEqualTo(1f);
        assertThat(out[6]).isEqualTo(1f);
        for (int i = 14; i < ContextFeatures.WIDTH; i++) {
            assertThat(out[i]).isZero();
        }
    }

    @Test
    void sessionLengthCountsInteractionsUntilAThirtyMinuteGap() {
        ContextFeatures f = new ContextFeatures();
        long t = 1_000_000_000L;
        f.observe(3, t);
        f.observe(3, t + 10 * 60_000);
        f.observe(3, t + 35 * 60_000);
        assertThat(f.sessionLength(3, t + 36 * 60_000)).isEqualTo(3);
        assertThat(f.sessionLength(3, t + 35 * 60_000 + ContextFeatures.SESSION_GAP_MS + 1)).isZero();
        f.observe(3, t + 200 * 60_000); // a new session
        assertThat(f.sessionLength(3, t + 201 * 60_000)).isEqualTo(1);
        assertThat(f.sessionLength(4, t)).isZero();
    }
}
