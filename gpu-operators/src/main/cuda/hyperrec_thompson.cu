// Thompson sampling: theta ~ Beta(alpha, beta) = X / (X + Y), X ~ Gamma(alpha), Y ~ Gamma(beta) by
// Marsaglia & Tsang (2000) over Philox4x32-10 (Salmon et al. 2011). A port of the Java reference
// (dev.hyperrec.operators.random.{Philox4x32, GammaSampler, BetaSampler}): same counter layout
// (attempt j uses counters (2j, domain, lo(itemKey), hi(itemKey)) and (2j+1, ...)), same uniform
// mapping, same operation order with explicit round-to-nearest double operations (no fma
// contraction). log/exp are CUDA's (within 2 ulp of fdlibm's); cos(2 pi u) is cospi(2u) and
// 1/sqrt(9d) is rsqrt(9d) (each within 2 ulp, fewer instructions: the kernel is issue-bound), so
// draws agree with the Java reference to about 1e-15 relative except with vanishing probability at
// an accept boundary (the contract's tolerance is 1e-5).
#include <stdint.h>

#define MAX_ATTEMPTS 32

__device__ __forceinline__ void philox(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3,
                                       uint32_t k0, uint32_t k1, uint32_t out[4]) {
#pragma unroll
    for (int r = 0; r < 10; r++) {
        if (r > 0) {
            k0 += 0x9E3779B9u;
            k1 += 0xBB67AE85u;
        }
        unsigned long long p0 = (unsigned long long) 0xD2511F53u * c0;
        unsigned long long p1 = (unsigned long long) 0xCD9E8D57u * c2;
        uint32_t n0 = (uint32_t) (p1 >> 32) ^ c1 ^ k0;
        uint32_t n1 = (uint32_t) p1;
        uint32_t n2 = (uint32_t) (p0 >> 32) ^ c3 ^ k1;
        uint32_t n3 = (uint32_t) p0;
        c0 = n0; c1 = n1; c2 = n2; c3 = n3;
    }
    out[0] = c0; out[1] = c1; out[2] = c2; out[3] = c3;
}

// (m + 0.5) * 2^-52 for the 52-bit integer m = hi:lo >> 12, as the Java reference computes it, in one
// exact subtraction: 1 + m 2^-52 is formed from its bits, and (1 + m 2^-52) - (1 - 2^-53) =
// (2m + 1) 2^-53 is representable, so the rounded difference is that value.
__device__ __forceinline__ double uniform01(uint32_t hi, uint32_t lo) {
    uint32_t mhi = (hi >> 12) | 0x3FF00000u;
    uint32_t mlo = (hi << 20) | (lo >> 12);
    return __dsub_rn(__hiloint2double((int) mhi, (int) mlo), 0x1.fffffffffffffp-1);
}

// Marsaglia-Tsang from attempt j0 on (attempts before j0 were rejected): the Java reference's loop.
__device__ double gamma_from(double shape, int j0, uint32_t k0, uint32_t k1, uint32_t domain, unsigned long long itemKey) {
    bool boost = shape < 1.0;
    double a = boost ? __dadd_rn(shape, 1.0) : shape;
    double d = __dsub_rn(a, 1.0 / 3.0);
    double c = rsqrt(__dmul_rn(9.0, d));
    uint32_t c2 = (uint32_t) itemKey;
    uint32_t c3 = (uint32_t) (itemKey >> 32);
    uint32_t w[4];
    double u4 = 0.5;
    for (int j = j0; j < MAX_ATTEMPTS; j++) {
        philox((uint32_t) (2 * j), domain, c2, c3, k0, k1, w);
        double u1 = uniform01(w[0], w[1]);
        double u2 = uniform01(w[2], w[3]);
        philox((uint32_t) (2 * j + 1), domain, c2, c3, k0, k1, w);
        double u3 = uniform01(w[0], w[1]);
        u4 = uniform01(w[2], w[3]);
        double x = __dmul_rn(sqrt(__dmul_rn(-2.0, log(u1))), cospi(__dmul_rn(2.0, u2)));
        double v = __dadd_rn(1.0, __dmul_rn(c, x));
        if (v <= 0.0) continue;
        v = __dmul_rn(__dmul_rn(v, v), v);
        double x2 = __dmul_rn(x, x);
        if (u3 < __dsub_rn(1.0, __dmul_rn(0.0331, __dmul_rn(x2, x2)))
                || log(u3) < __dadd_rn(__dmul_rn(0.5, x2), __dmul_rn(d, __dadd_rn(__dsub_rn(1.0, v), log(v))))) {
            return boost ? __dmul_rn(__dmul_rn(d, v), exp(__ddiv_rn(log(u4), shape))) : __dmul_rn(d, v);
        }
    }
    return boost ? __dmul_rn(d, exp(__ddiv_rn(log(u4), shape))) : d;
}

__device__ __forceinline__ double gamma_draw(double shape, uint32_t k0, uint32_t k1, uint32_t domain, unsigned long long itemKey) {
    return gamma_from(shape, 0, k0, k1, domain, itemKey);
}

__device__ __forceinline__ float beta_of(double x, double y) {
    double s = __dadd_rn(x, y);
    double r = s > 0.0 ? __ddiv_rn(x, s) : 0.5;
    float f = (float) r;
    const float lo = 0x1p-24f;
    const float hi = 1.0f - 0x1p-24f;
    return f < lo ? lo : (f > hi ? hi : f);
}

extern "C" __global__ void thompson_beta(uint32_t k0, uint32_t k1, const unsigned long long* __restrict__ itemKeys,
        const double* __restrict__ alpha, const double* __restrict__ beta, int n, float* __restrict__ out) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    unsigned long long key = itemKeys[i];
    double x = gamma_draw(alpha[i], k0, k1, 0u, key);
    double y = gamma_draw(beta[i], k0, k1, 1u, key);
    out[i] = beta_of(x, y);
}
