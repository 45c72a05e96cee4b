package dev.hyperrec.topology.engine;

import dev.hyperrec.avro.EventContext;
import java.util.Locale;

/**
 * Maps an event's context to a bandit segment: device class (unknown, mobile, desktop, tv, other)
 * times social setting (unknown, solo, group): 15 segments. Thompson-sampling parameters are kept
 * per (segment, item), so what is explored on a phone alone is learned apart from a TV in a group.
 */
public final class Segments {
    public static final int COUNT = 15;

    private Segments() {
    }

    public static int of(EventContext ctx) {
        if (ctx == null) {
            return 0;
        }
        int device = device(ctx.getDevice());
        int social = ctx.getSocial() == null ? 0 : ctx.getSocial().ordinal() + 1;
        return device * 3 + social;
    }

    private static int device(String d) {
        if (d == null || d.isBlank()) {
            return 0;
        }
        return switch (d.trim().toLowerCase(Locale.ROOT)) {
            case "mobile", "phone", "android", "ios" -> 1;
            case "desktop", "web", "laptop" -> 2;
            case "tv", "smarttv", "console" -> 3;
            default -> 4;
        };
    }
}
