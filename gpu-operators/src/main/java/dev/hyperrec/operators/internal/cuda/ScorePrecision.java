package dev.hyperrec.operators.internal.cuda;

import dev.hyperrec.operators.OperatorException;
import java.util.Locale;

/**
 * Arithmetic of the CUDA scorer's fused matmul.
 * <ul>
 *   <li>{@link #EXACT}: float products summed in double in dimension order, rounded once: scores
 *       bit-identical to the CPU reference (the contract's exact mode). CUDA cores, fp64 rate.</li>
 *   <li>{@link #FP32}: fp32 fma in dimension order; |error| below about {@code dim * 2^-24 * sum|x q|}.</li>
 *   <li>{@link #TF32}: tensor cores, operands rounded to tf32 (10-bit mantissa), fp32 accumulate; batches of at
 *       most 4 queries with k &lt;= 64 take the bandwidth-bound small-batch kernel, which computes in full fp32.</li>
 *   <li>{@link #BF16}: tensor cores, operands rounded to bf16 (7-bit mantissa), fp32 accumulate;
 *       about 1e-2 absolute on unit-norm 384-dim vectors: ranks near the k-th score may swap (measured recall@20
 *       against EXACT: 0.995). Small batches multiply the bf16 catalog with the fp32 query in fp32.</li>
 * </ul>
 */
public enum ScorePrecision {
    EXACT, FP32, TF32, BF16;

    /** Parses {@code exact|fp32|tf32|bf16} (case-insensitive). */
    public static ScorePrecision parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new OperatorException("unknown score precision '" + text + "': expected exact, fp32, tf32 or bf16");
        }
    }
}
