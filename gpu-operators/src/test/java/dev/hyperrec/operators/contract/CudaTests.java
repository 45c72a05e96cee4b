package dev.hyperrec.operators.contract;

import dev.hyperrec.operators.internal.cuda.CudaBackend;
import net.jqwik.api.lifecycle.LifecycleContext;
import net.jqwik.api.lifecycle.SkipExecutionHook;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Skips GPU tests where no CUDA device is usable, for both engines: JUnit Jupiter
 * ({@code @ExtendWith(CudaTests.class)}) and jqwik ({@code @AddLifecycleHook(CudaTests.class)}). The
 * Jupiter tests also assume it in {@code @BeforeEach} (reported as skipped by assumption).
 */
public final class CudaTests implements ExecutionCondition, SkipExecutionHook {

    public static String reason() {
        return "no usable CUDA device: " + CudaBackend.unusableReason();
    }

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        return CudaBackend.isUsable() ? ConditionEvaluationResult.enabled("CUDA device usable")
                : ConditionEvaluationResult.disabled(reason());
    }

    @Override
    public SkipResult shouldBeSkipped(LifecycleContext context) {
        return CudaBackend.isUsable() ? SkipResult.doNotSkip() : SkipResult.skip(reason());
    }
}
