/**
 * Counter-based random variates that a CUDA kernel reproduces: Philox4x32-10 (Salmon et al. 2011) and
 * Gamma/Beta samplers on top of it (Marsaglia &amp; Tsang 2000). Every draw is a pure function of its
 * stream key, so results never depend on batch composition, thread timing or restarts.
 */
package dev.hyperrec.operators.random;
