/**
 * The plain-Java reference backend ({@link dev.hyperrec.operators.internal.cpu.CpuBackend}): deterministic,
 * the yardstick of the contract tests. Not API: open it through {@link dev.hyperrec.operators.Backends}.
 */
package dev.hyperrec.operators.internal.cpu;
