// Batched top-k scoring for hyperrec: fused (queries x items^T) tiles + threshold filter + per-query
// selection. The users x items score matrix is never written: each tile's scores are compared
// with the query's running k-th best score (a lower bound of the final one) and only candidates
// that can still enter the top-k are appended to a bounded per-query buffer, which a select kernel
// compacts (bitonic sort of 64-bit rank keys) back to k entries.
//
// Rank key: (order-preserving bits of the score) << 32 | (0xFFFFFFFF - item index), so that a larger
// key is a better entry: higher score first, equal scores rank the lower index first (the Java
// reference's order). -0.0 is folded into +0.0 so the two compare equal, as in Java's float <, >.
#include <stdint.h>
#include <cuda_bf16.h>
#include <mma.h>

#define SORT_CAP 8192

__device__ __forceinline__ unsigned long long rank_key(float s, int idx) {
    if (s == 0.0f) s = 0.0f;
    unsigned int b = __float_as_uint(s);
    b = (b & 0x80000000u) ? ~b : (b | 0x80000000u);
    return ((unsigned long long) b << 32) | (unsigned long long) (0xFFFFFFFFu - (unsigned int) idx);
}

__device__ __forceinline__ float key_score(unsigned long long key) {
    unsigned int b = (unsigned int) (key >> 32);
    b = (b & 0x80000000u) ? (b & 0x7FFFFFFFu) : ~b;
    return __uint_as_float(b);
}

__device__ __forceinline__ int key_index(unsigned long long key) {
    return (int) (0xFFFFFFFFu - (unsigned int) (key & 0xFFFFFFFFull));
}

__device__ __forceinline__ bool excluded(const int* __restrict__ exOff, const int* __restrict__ exIdx, int q, int item) {
    int lo = exOff[q];
    int hi = exOff[q + 1] - 1;
    while (lo <= hi) {
        int mid = (lo + hi) >> 1;
        int v = exIdx[mid];
        if (v == item) return true;
        if (v < item) lo = mid + 1; else hi = mid - 1;
    }
    return false;
}

__device__ __forceinline__ void offer(float score, int q, int item, int nq, int i1,
                                      const unsigned char* __restrict__ valid, float t,
                                      const int* __restrict__ exOff, const int* __restrict__ exIdx,
                                      unsigned long long* __restrict__ cand, int* __restrict__ cnt, int candCap) {
    if (q >= nq || item >= i1 || !(score >= t) || !valid[item]) return;
    if (excluded(exOff, exIdx, q, item)) return;
    int pos = atomicAdd(&cnt[q], 1);
    if (pos < candCap) cand[(size_t) q * candCap + pos] = rank_key(score, item);
}

// ---------------------------------------------------------------------------------------------
// SIMT path. ACC = double: every product of two floats is exact in double and the sum runs in
// dimension order with one rounding per step (fma(a, b, s) = round(a*b + s)), then one rounding to
// float: bit-identical to the Java reference CpuScorer. ACC = float: fp32 fma, same order.
// Block: 16 x 16 threads, tile (16*TM) queries x (16*TN) items; grid.x walks query tiles so that
// consecutive blocks share an item tile (read from HBM once, then from L2).
// ---------------------------------------------------------------------------------------------
#define BK 16

template <typename ACC, int TM, int TN>
__device__ __forceinline__ void filter_simt(const float* __restrict__ Q, int nq, const float* __restrict__ X, int ld,
        const unsigned char* __restrict__ valid, int i0, int i1, int dim,
        const int* __restrict__ exOff, const int* __restrict__ exIdx, const float* __restrict__ thr,
        unsigned long long* __restrict__ cand, int* __restrict__ cnt, int candCap) {
    const int BQ = 16 * TM;
    const int BN = 16 * TN;
    __shared__ ACC sQ[BK][BQ];
    __shared__ ACC sX[BK][BN];
    int tx = threadIdx.x & 15;
    int ty = threadIdx.x >> 4;
    int qBase = blockIdx.x * BQ;
    int iBase = i0 + blockIdx.y * BN;
    ACC acc[TM][TN];
#pragma unroll
    for (int a = 0; a < TM; a++)
#pragma unroll
        for (int b = 0; b < TN; b++) acc[a][b] = (ACC) 0;
    for (int k0 = 0; k0 < dim; k0 += BK) {
        for (int e = threadIdx.x; e < BQ * BK; e += 256) {
            int r = e / BK, c = e % BK;
            int q = qBase + r, d = k0 + c;
            sQ[c][r] = (q < nq && d < ld) ? (ACC) Q[(size_t) q * ld + d] : (ACC) 0;
        }
        for (int e = threadIdx.x; e < BN * BK; e += 256) {
            int r = e / BK, c = e % BK;
            int it = iBase + r, d = k0 + c;
            sX[c][r] = (it < i1 && d < ld) ? (ACC) X[(size_t) it * ld + d] : (ACC) 0;
        }
        __syncthreads();
#pragma unroll
        for (int c = 0; c < BK; c++) {
            ACC a[TM], b[TN];
#pragma unroll
            for (int m = 0; m < TM; m++) a[m] = sQ[c][ty + 16 * m];
#pragma unroll
            for (int n = 0; n < TN; n++) b[n] = sX[c][tx + 16 * n];
#pragma unroll
            for (int m = 0; m < TM; m++)
#pragma unroll
                for (int n = 0; n < TN; n++) acc[m][n] = fma(a[m], b[n], acc[m][n]);
        }
        __syncthreads();
    }
#pragma unroll
    for (int m = 0; m < TM; m++) {
        int q = qBase + ty + 16 * m;
        float t = q < nq ? thr[q] : 0.0f;
#pragma unroll
        for (int n = 0; n < TN; n++) {
            offer((float) acc[m][n], q, iBase + tx + 16 * n, nq, i1, valid, t, exOff, exIdx, cand, cnt, candCap);
        }
    }
}

#define FILTER_ARGS const float* __restrict__ Q, int nq, const float* __restrict__ X, int ld, \
        const unsigned char* __restrict__ valid, int i0, int i1, int dim, \
        const int* __restrict__ exOff, const int* __restrict__ exIdx, const float* __restrict__ thr, \
        unsigned long long* __restrict__ cand, int* __restrict__ cnt, int candCap
#define FILTER_PASS Q, nq, X, ld, valid, i0, i1, dim, exOff, exIdx, thr, cand, cnt, candCap

extern "C" __global__ void __launch_bounds__(256) filter_exact_wide(FILTER_ARGS) { filter_simt<double, 4, 4>(FILTER_PASS); }
extern "C" __global__ void __launch_bounds__(256) filter_exact_narrow(FILTER_ARGS) { filter_simt<double, 1, 8>(FILTER_PASS); }
extern "C" __global__ void __launch_bounds__(256) filter_fp32_wide(FILTER_ARGS) { filter_simt<float, 4, 8>(FILTER_PASS); }
extern "C" __global__ void __launch_bounds__(256) filter_fp32_narrow(FILTER_ARGS) { filter_simt<float, 1, 8>(FILTER_PASS); }

// ---------------------------------------------------------------------------------------------
// Tensor-core path (WMMA, fp32 accumulate). Block: 8 warps, tile 64 queries x 128 items, each warp
// 32 x 32 (2 x 2 fragments of 16 x 16). Items come from the bf16 mirror (BF16) or the fp32 mirror
// rounded to tf32 (TF32); queries are converted while staged into shared memory. ld is a multiple
// of 16, and the mirror's padding columns are zero.
// ---------------------------------------------------------------------------------------------
using namespace nvcuda;
#define TQ 64
#define TI 128
#define TK 32
#define SKEW 8

union BF16Smem {
    struct {
        __nv_bfloat16 q[TQ][TK + SKEW];
        __nv_bfloat16 x[TI][TK + SKEW];
    } in;
    float c[TQ][TI + 4];
};

extern "C" __global__ void __launch_bounds__(256) filter_bf16(const float* __restrict__ Q, int nq,
        const __nv_bfloat16* __restrict__ X16, int ld, const unsigned char* __restrict__ valid, int i0, int i1, int dim,
        const int* __restrict__ exOff, const int* __restrict__ exIdx, const float* __restrict__ thr,
        unsigned long long* __restrict__ cand, int* __restrict__ cnt, int candCap) {
    __shared__ __align__(32) BF16Smem sm;
    int warp = threadIdx.x >> 5;
    int wq = warp >> 2;   // 0..1
    int wi = warp & 3;    // 0..3
    int qBase = blockIdx.x * TQ;
    int iBase = i0 + blockIdx.y * TI;
    wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc[2][2];
#pragma unroll
    for (int a = 0; a < 2; a++)
#pragma unroll
        for (int b = 0; b < 2; b++) wmma::fill_fragment(acc[a][b], 0.0f);
    for (int k0 = 0; k0 < ld; k0 += TK) {
        // queries: 64 rows x 32 cols fp32 -> bf16; 256 threads x 8 values
        {
            int r = threadIdx.x >> 2;
            int c = (threadIdx.x & 3) * 8;
            int q = qBase + r;
#pragma unroll
            for (int j = 0; j < 8; j++) {
                int d = k0 + c + j;
                float v = (q < nq && d < ld) ? Q[(size_t) q * ld + d] : 0.0f;
                sm.in.q[r][c + j] = __float2bfloat16_rn(v);
            }
        }
        // items: 128 rows x 32 bf16 = 4 x 16-byte vectors per row; 2 per thread
#pragma unroll
        for (int h = 0; h < 2; h++) {
            int v = threadIdx.x + h * 256;
            int r = v >> 2;
            int c = (v & 3) * 8;
            int it = iBase + r;
            uint4 val = make_uint4(0, 0, 0, 0);
            if (it < i1 && k0 + c < ld) val = *reinterpret_cast<const uint4*>(X16 + (size_t) it * ld + k0 + c);
            *reinterpret_cast<uint4*>(&sm.in.x[r][c]) = val;
        }
        __syncthreads();
#pragma unroll
        for (int kk = 0; kk < TK; kk += 16) {
            wmma::fragment<wmma::matrix_a, 16, 16, 16, __nv_bfloat16, wmma::row_major> fa[2];
            wmma::fragment<wmma::matrix_b, 16, 16, 16, __nv_bfloat16, wmma::col_major> fb[2];
#pragma unroll
            for (int a = 0; a < 2; a++) wmma::load_matrix_sync(fa[a], &sm.in.q[wq * 32 + a * 16][kk], TK + SKEW);
#pragma unroll
            for (int b = 0; b < 2; b++) wmma::load_matrix_sync(fb[b], &sm.in.x[wi * 32 + b * 16][kk], TK + SKEW);
#pragma unroll
            for (int a = 0; a < 2; a++)
#pragma unroll
                for (int b = 0; b < 2; b++) wmma::mma_sync(acc[a][b], fa[a], fb[b], acc[a][b]);
        }
        __syncthreads();
    }
#pragma unroll
    for (int a = 0; a < 2; a++)
#pragma unroll
        for (int b = 0; b < 2; b++)
            wmma::store_matrix_sync(&sm.c[wq * 32 + a * 16][wi * 32 + b * 16], acc[a][b], TI + 4, wmma::mem_row_major);
    __syncthreads();
    for (int e = threadIdx.x; e < TQ * TI; e += 256) {
        int r = e / TI, c = e % TI;
        int q = qBase + r;
        if (q >= nq) continue;
        offer(sm.c[r][c], q, iBase + c, nq, i1, valid, thr[q], exOff, exIdx, cand, cnt, candCap);
    }
}

union TF32Smem {
    struct {
        float q[TQ][TK + 4];
        float x[TI][TK + 4];
    } in;
    float c[TQ][TI + 4];
};

extern "C" __global__ void __launch_bounds__(256) filter_tf32(const float* __restrict__ Q, int nq,
        const float* __restrict__ X, int ld, const unsigned char* __restrict__ valid, int i0, int i1, int dim,
        const int* __restrict__ exOff, const int* __restrict__ exIdx, const float* __restrict__ thr,
        unsigned long long* __restrict__ cand, int* __restrict__ cnt, int candCap) {
    __shared__ __align__(32) TF32Smem sm;
    int warp = threadIdx.x >> 5;
    int wq = warp >> 2;
    int wi = warp & 3;
    int qBase = blockIdx.x * TQ;
    int iBase = i0 + blockIdx.y * TI;
    wmma::fragment<wmma::accumulator, 16, 16, 8, float> acc[2][2];
#pragma unroll
    for (int a = 0; a < 2; a++)
#pragma unroll
        for (int b = 0; b < 2; b++) wmma::fill_fragment(acc[a][b], 0.0f);
    for (int k0 = 0; k0 < ld; k0 += TK) {
#pragma unroll
        for (int h = 0; h < 2; h++) {
            int v = threadIdx.x + h * 256;   // 64 rows x 8 float4
            int r = v >> 3;
            int c = (v & 7) * 4;
            int q = qBase + r;
            float4 val = make_float4(0.f, 0.f, 0.f, 0.f);
            if (q < nq && k0 + c < ld) val = *reinterpret_cast<const float4*>(Q + (size_t) q * ld + k0 + c);
            *reinterpret_cast<float4*>(&sm.in.q[r][c]) = val;
        }
#pragma unroll
        for (int h = 0; h < 4; h++) {
            int v = threadIdx.x + h * 256;   // 128 rows x 8 float4
            int r = v >> 3;
            int c = (v & 7) * 4;
            int it = iBase + r;
            float4 val = make_float4(0.f, 0.f, 0.f, 0.f);
            if (it < i1 && k0 + c < ld) val = *reinterpret_cast<const float4*>(X + (size_t) it * ld + k0 + c);
            *reinterpret_cast<float4*>(&sm.in.x[r][c]) = val;
        }
        __syncthreads();
#pragma unroll
        for (int kk = 0; kk < TK; kk += 8) {
            wmma::fragment<wmma::matrix_a, 16, 16, 8, wmma::precision::tf32, wmma::row_major> fa[2];
            wmma::fragment<wmma::matrix_b, 16, 16, 8, wmma::precision::tf32, wmma::col_major> fb[2];
#pragma unroll
            for (int a = 0; a < 2; a++) {
                wmma::load_matrix_sync(fa[a], &sm.in.q[wq * 32 + a * 16][kk], TK + 4);
#pragma unroll
                for (int t = 0; t < fa[a].num_elements; t++) fa[a].x[t] = wmma::__float_to_tf32(fa[a].x[t]);
            }
#pragma unroll
            for (int b = 0; b < 2; b++) {
                wmma::load_matrix_sync(fb[b], &sm.in.x[wi * 32 + b * 16][kk], TK + 4);
#pragma unroll
                for (int t = 0; t < fb[b].num_elements; t++) fb[b].x[t] = wmma::__float_to_tf32(fb[b].x[t]);
            }
#pragma unroll
            for (int a = 0; a < 2; a++)
#pragma unroll
                for (int b = 0; b < 2; b++) wmma::mma_sync(acc[a][b], fa[a], fb[b], acc[a][b]);
        }
        __syncthreads();
    }
#pragma unroll
    for (int a = 0; a < 2; a++)
#pragma unroll
        for (int b = 0; b < 2; b++)
            wmma::store_matrix_sync(&sm.c[wq * 32 + a * 16][wi * 32 + b * 16], acc[a][b], TI + 4, wmma::mem_row_major);
    __syncthreads();
    for (int e = threadIdx.x; e < TQ * TI; e += 256) {
        int r = e / TI, c = e % TI;
        int q = qBase + r;
        if (q >= nq) continue;
        offer(sm.c[r][c], q, iBase + c, nq, i1, valid, thr[q], exOff, exIdx, cand, cnt, candCap);
    }
}

// ---------------------------------------------------------------------------------------------
// Selection: one block (1024 threads) per query sorts its candidates (at most SORT_CAP rank keys,
// dynamic shared memory) descending. Non-final: keeps the best k as the buffer's new content and
// raises the query's threshold to the k-th score. Final: writes the best min(count, k) entries as
// (index, score) rows; a count above candCap (an overflowed buffer) is reported as -1.
// ---------------------------------------------------------------------------------------------
extern "C" __global__ void __launch_bounds__(1024) topk_select(unsigned long long* __restrict__ cand, int* __restrict__ cnt,
        float* __restrict__ thr, int candCap, int k, int final,
        int* __restrict__ outIdx, float* __restrict__ outScore, int* __restrict__ outCount) {
    extern __shared__ unsigned long long sk[];
    int q = blockIdx.x;
    int c = cnt[q];
    if (c > candCap) {
        if (final && threadIdx.x == 0) outCount[q] = -1;
        return;
    }
    if (!final && c <= k) return;
    int n2 = 1;
    while (n2 < c) n2 <<= 1;
    unsigned long long* src = cand + (size_t) q * candCap;
    for (int i = threadIdx.x; i < n2; i += blockDim.x) sk[i] = i < c ? src[i] : 0ull;
    __syncthreads();
    for (int size = 2; size <= n2; size <<= 1) {
        for (int stride = size >> 1; stride > 0; stride >>= 1) {
            for (int i = threadIdx.x; i < (n2 >> 1); i += blockDim.x) {
                int lo = 2 * i - (i & (stride - 1));
                int hi = lo + stride;
                bool desc = (lo & size) == 0;
                unsigned long long a = sk[lo], b = sk[hi];
                if ((a < b) == desc) { sk[lo] = b; sk[hi] = a; }
            }
            __syncthreads();
        }
    }
    int m = c < k ? c : k;
    if (final) {
        for (int j = threadIdx.x; j < m; j += blockDim.x) {
            outIdx[(size_t) q * k + j] = key_index(sk[j]);
            outScore[(size_t) q * k + j] = key_score(sk[j]);
        }
        if (threadIdx.x == 0) outCount[q] = m;
    } else {
        for (int j = threadIdx.x; j < m; j += blockDim.x) src[j] = sk[j];
        if (threadIdx.x == 0) {
            cnt[q] = m;
            thr[q] = key_score(sk[k - 1]);
        }
    }
}

// Resets the per-query state of a batch: no candidates, threshold -inf.
extern "C" __global__ void topk_reset(int* __restrict__ cnt, float* __restrict__ thr, int nq) {
    int q = blockIdx.x * blockDim.x + threadIdx.x;
    if (q < nq) {
        cnt[q] = 0;
        thr[q] = __int_as_float(0xff800000);
    }
}

// Catalog mirror update: scatters m staged rows (dim floats each) to their item rows, zero-pads the
// row to ld, refreshes the bf16 copy (when present) and the item's active flag.
extern "C" __global__ void catalog_scatter(const float* __restrict__ staged, const int* __restrict__ rows,
        const unsigned char* __restrict__ flags, int m, int dim, int ld,
        float* __restrict__ X, __nv_bfloat16* __restrict__ X16, unsigned char* __restrict__ valid) {
    long long idx = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    long long total = (long long) m * ld;
    if (idx >= total) return;
    int j = (int) (idx / ld);
    int d = (int) (idx % ld);
    int row = rows[j];
    float v = d < dim ? staged[(size_t) j * dim + d] : 0.0f;
    X[(size_t) row * ld + d] = v;
    if (X16 != nullptr) X16[(size_t) row * ld + d] = __float2bfloat16_rn(v);
    if (d == 0) valid[row] = flags[j];
}

// Active flags only (a delete changes no embedding).
extern "C" __global__ void catalog_flags(const int* __restrict__ rows, const unsigned char* __restrict__ flags, int m,
        unsigned char* __restrict__ valid) {
    int j = blockIdx.x * blockDim.x + threadIdx.x;
    if (j < m) valid[rows[j]] = flags[j];
}
