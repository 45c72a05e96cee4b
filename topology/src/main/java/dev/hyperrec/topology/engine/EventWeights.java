package dev.hyperrec.topology.engine;

import dev.hyperrec.avro.InteractionType;
import dev.hyperrec.topology.HyperrecConfig;

/**
 * The weight {@code w} of an interaction in the user-embedding rule, and whether it triggers a list.
 * A rating {@code r} weighs {@code (r - neutral) / scale}, so ratings below the neutral point push the
 * user away from the item.
 */
public final class EventWeights {
    private final float view;
    private final float click;
    private final float purchase;
    private final float skip;
    private final float neutral;
    private final float scale;

    public EventWeights(HyperrecConfig c) {
        view = c.getFloat(HyperrecConfig.WEIGHT_VIEW);
        click = c.getFloat(HyperrecConfig.WEIGHT_CLICK);
        purchase = c.getFloat(HyperrecConfig.WEIGHT_PURCHASE);
        skip = c.getFloat(HyperrecConfig.WEIGHT_SKIP);
        neutral = c.getFloat(HyperrecConfig.RATING_NEUTRAL);
        scale = c.getFloat(HyperrecConfig.RATING_SCALE);
    }

    public float weight(InteractionType type, float value) {
        return switch (type) {
            case VIEW -> view;
            case CLICK -> click;
            case PURCHASE -> purchase;
            case SKIP -> skip;
            case RATING -> (value - neutral) / scale;
        };
    }

    /** Clicks, ratings and purchases each yield one list; views and skips only update state. */
    public static boolean triggers(InteractionType type) {
        return type == InteractionType.CLICK || type == InteractionType.RATING || type == InteractionType.PURCHASE;
    }

    /** Clicks and purchases attributed to an emitted list are the bandit's reward. */
    public static boolean rewards(InteractionType type) {
        return type == InteractionType.CLICK || type == InteractionType.PURCHASE;
    }
}
