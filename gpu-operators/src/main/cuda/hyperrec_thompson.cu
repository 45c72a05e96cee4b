// Thompson sampling: theta ~ Beta(alpha, beta) = X / (X + Y), X ~ Gamma(alpha), Y ~ Gamma(beta) by
// Marsaglia & Tsang (2000) over Philox4x32-10 (Salmon et al. 2011). A port of the Java reference
// (dev.hyperrec.operators.random.{Philox4x32, GammaSampler, BetaSampler}): same counter layout
// (attempt j uses the block (j, domain, lo(itemKey), hi(itemKey)): u1 from words 0-1, u2 and u3 from
// words 2 and 3; the boosting uniform of shape < 1 from the block (j | 2^31, domain, ...)), same uniform
// mapping (bit-exact), same operation order. The kernel is bound by instruction issue (Nsight Compute
// on an H200: 68% of issue slots busy, the FP64 pipe 41%), so it trades the last bits for
// instructions: the acceptance arithmetic may contract to fused multiply-adds, cos(2 pi u) is
// cospi(2u), 1/sqrt(9d) is rsqrt(9d), and log/exp are CUDA's (each within 2 ulp of the reference's).
// Draws therefore agree with the Java reference to about 1e-15 relative, except with vanishing
// probability at an accept boundary (the contract's tolerance is 1e-5).
#include <stdint.h>

#define MAX_ATTEMPTS 32

// The ten round keys of Philox4x32-10 for one stream key: the same for every thread, so the host
// computes them once and they arrive as a kernel parameter (constant bank): each round's key XOR
// then folds into one 3-input logic op instead of two key additions per round per call.
struct RoundKeys {
    uint32_t k0[10];
    uint32_t k1[10];
};

__device__ __forceinline__ void philox(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3,
                                       const RoundKeys& rk, uint32_t out[4]) {
#pragma unroll
    for (int r = 0; r < 10; r++) {
        unsigned long long p0 = (unsigned long long) 0xD2511F53u * c0;
        unsigned long long p1 = (unsigned long long) 0xCD9E8D57u * c2;
        uint32_t n0 = (uint32_t) (p1 >> 32) ^ c1 ^ rk.k0[r];
        uint32_t n1 = (uint32_t) p1;
        uint32_t n2 = (uint32_t) (p0 >> 32) ^ c3 ^ rk.k1[r];
        uint32_t n3 = (uint32_t) p0;
        c0 = n0; c1 = n1; c2 = n2; c3 = n3;
    }
    out[0] = c0; out[1] = c1; out[2] = c2; out[3] = c3;
}

// (m + 0.5) * 2^-52 for the 52-bit integer m = hi:lo >> 12, as the Java reference computes it, in one
// exact subtraction: 1 + m 2^-52 is formed from its bits, and (1 + m 2^-52) - (1 - 2^-53) =
// (2m + 1) 2^-53 is representable, so the rounded difference is that value.
__device__ __forceinline__ double uniform32(uint32_t w) {
    return ((double) w + 0.5) * 0x1p-32;   // exact
}

__device__ __forceinline__ double uniform01(uint32_t hi, uint32_t lo) {
    uint32_t mhi = (hi >> 12) | 0x3FF00000u;
    uint32_t mlo = (hi << 20) | (lo >> 12);
    return __dsub_rn(__hiloint2double((int) mhi, (int) mlo), 0x1.fffffffffffffp-1);
}

// Marsaglia-Tsang attempts [j0, j1) of the Java reference's loop (attempts before j0 were rejected).
// True with *g set when one accepts; when j1 = MAX_ATTEMPTS the reference's fallback after the last
// attempt counts as accepted.
__device__ __forceinline__ bool gamma_attempts(double shape, int j0, int j1, const RoundKeys& rk, uint32_t domain,
        unsigned long long itemKey, double* g) {
    bool boost = shape < 1.0;
    double a = boost ? shape + 1.0 : shape;
    double d = a - 1.0 / 3.0;
    double c = rsqrt(9.0 * d);
    uint32_t c2 = (uint32_t) itemKey;
    uint32_t c3 = (uint32_t) (itemKey >> 32);
    uint32_t w[4];
    for (int j = j0; j < j1; j++) {
        philox((uint32_t) j, domain, c2, c3, rk, w);
        double u1 = uniform01(w[0], w[1]);
        double u2 = uniform32(w[2]);
        double u3 = uniform32(w[3]);
        double x = sqrt(-2.0 * log(u1)) * cospi(2.0 * u2);
        double v = 1.0 + c * x;
        if (v <= 0.0) continue;
        v = v * v * v;
        double x2 = x * x;
        if (u3 < 1.0 - 0.0331 * (x2 * x2) || log(u3) < 0.5 * x2 + d * (1.0 - v + log(v))) {
            if (boost) {
                philox((uint32_t) j | 0x80000000u, domain, c2, c3, rk, w);
                *g = d * v * exp(log(uniform01(w[0], w[1])) / shape);
            } else {
                *g = d * v;
            }
            return true;
        }
    }
    if (j1 < MAX_ATTEMPTS) return false;
    if (boost) {
        philox((uint32_t) (MAX_ATTEMPTS - 1) | 0x80000000u, domain, c2, c3, rk, w);
        *g = d * exp(log(uniform01(w[0], w[1])) / shape);
    } else {
        *g = d;
    }
    return true;
}

__device__ __forceinline__ float beta_of(double x, double y) {
    double s = __dadd_rn(x, y);
    double r = s > 0.0 ? __ddiv_rn(x, s) : 0.5;
    float f = (float) r;
    const float lo = 0x1p-24f;
    const float hi = 1.0f - 0x1p-24f;
    return f < lo ? lo : (f > hi ? hi : f);
}

// One thread per candidate, both draws in place. (Queuing rejected draws per block for a dense second
// pass measured slower on an H200: 0.051 against 0.050 ms for 1000 x 1000.)
extern "C" __global__ void thompson_beta(const __grid_constant__ RoundKeys rk, const unsigned long long* __restrict__ itemKeys,
        const double* __restrict__ alpha, const double* __restrict__ beta, int n, float* __restrict__ out) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    unsigned long long key = itemKeys[i];
    double x;
    double y;
    gamma_attempts(alpha[i], 0, MAX_ATTEMPTS, rk, 0u, key, &x);
    gamma_attempts(beta[i], 0, MAX_ATTEMPTS, rk, 1u, key, &y);
    out[i] = beta_of(x, y);
}
