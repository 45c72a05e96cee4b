package dev.hyperrec.topology.tools;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress bars of the long harnesses (me.tongfei:progressbar, as the demo and the evaluation use):
 * on stderr, so stdout keeps only the harness's own lines and its summary line; ASCII, so logs stay
 * readable.
 */
public final class Progress {
    private Progress() {
    }

    /** A bar for {@code max} units, or null when {@code enabled} is false. */
    public static ProgressBar bar(String task, long max, String unit, boolean enabled) {
        if (!enabled) {
            return null;
        }
        return new ProgressBarBuilder().setTaskName(task).setInitialMax(max).setUnit(" " + unit, 1)
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500).continuousUpdate()
                .setConsumer(new ConsoleProgressBarConsumer(System.err)).build();
    }

    /** Sets a bar (null: none) to {@code value}. */
    public static void set(ProgressBar bar, long value) {
        if (bar != null) {
            bar.stepTo(value);
        }
    }

    /** Closes a bar (null: none). */
    public static void close(ProgressBar bar) {
        if (bar != null) {
            bar.close();
        }
    }
}
