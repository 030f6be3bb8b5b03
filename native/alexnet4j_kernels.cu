// CUDA C kernels for the ops cuDNN and cuBLAS lack or where their semantics differ from the Backend contract
// (fill, ReLU and max pooling with NaN propagation and first-maximum routing, LRN scale, dropout, softmax
// cross-entropy, SGD, adaptive average pooling, gradient accumulation, float32 <-> bfloat16 / half conversion
// with NCHW <-> NHWC transposition). Compiled at run time by NVRTC for the device's own architecture; self-contained
// (no headers), every entry point extern "C" so the host finds it by name. Sizes are in elements (floats).
// The per-element math lives in __host__ __device__ functions, so a host program can check it without a GPU.

#define THREADS_PER_BLOCK 256

// Element i of random stream `seed`: SplitMix64's finalizer over seed + (i + 1) * golden gamma.
// Must stay bit-identical to org.alexnet4j.backend.CounterRng.bits (unsigned 64-bit wrap-around = Java long).
__host__ __device__ inline unsigned long long counter_bits(unsigned long long seed, unsigned long long index) {
    unsigned long long z = seed + (index + 1ULL) * 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

// A float uniform in [0, 1) from the top 24 bits: exact, as CounterRng.uniform.
__host__ __device__ inline float counter_uniform(unsigned long long seed, unsigned long long index) {
    return (float) (counter_bits(seed, index) >> 40) * 5.9604644775390625e-8f; // 2^-24
}

// Inverted dropout's mask value for element i: 0 if dropped, else scale = 1/(1-p) (computed by the caller).
__host__ __device__ inline float dropout_mask_value(unsigned long long seed, unsigned long long index, float p, float scale) {
    return counter_uniform(seed, index) < p ? 0.0f : scale;
}

// scale[i] of lrn_scale: k + alphaOverSize * sum of x^2 over channels c-(size-1)/2 .. c+size/2 that exist.
__host__ __device__ inline float lrn_scale_at(const float* x, long long i, int channels, long long spatial,
                                              int size, float alphaOverSize, float k) {
    int c = (int) ((i / spatial) % channels);
    const float* pixel = x + (i - (long long) c * spatial); // channel 0 at this pixel
    int first = c - (size - 1) / 2, last = c + size / 2;
    if (first < 0) first = 0;
    if (last > channels - 1) last = channels - 1;
    float sum = 0.0f;
    for (int j = first; j <= last; j++) {
        float v = pixel[(long long) j * spatial];
        sum += v * v;
    }
    return k + alphaOverSize * sum;
}

// dlogits[i] = (probs[i] - onehot) / rows for element i of (rows, classes).
__host__ __device__ inline float softmax_cross_entropy_backward_at(const float* probs, const int* labels, long long i,
                                                                   int rows, int classes) {
    int row = (int) (i / classes), c = (int) (i % classes);
    float target = c == labels[row] ? 1.0f : 0.0f;
    return (probs[i] - target) / (float) rows;
}

// SGD in the paper's form for element i: v = momentum*v - weightDecay*lr*w - lr*g; w = w + v. Evaluated left
// to right, as the Java backends do (the program is compiled without FMA contraction).
__host__ __device__ inline void sgd_step(float* weights, float* velocity, const float* grads, long long i,
                                         float learningRate, float momentum, float weightDecay) {
    float w = weights[i];
    float v = momentum * velocity[i] - weightDecay * learningRate * w - learningRate * grads[i];
    velocity[i] = v;
    weights[i] = w + v;
}

// Window [start, end) of output cell i of `out` cells over `in` cells: floor(i*in/out) .. ceil((i+1)*in/out).
__host__ __device__ inline int adaptive_start(int i, int in, int out) { return (i * in) / out; }
__host__ __device__ inline int adaptive_end(int i, int in, int out) { return ((i + 1) * in + out - 1) / out; }

// Output `index` of (planes, P, Q): the mean of its window of x (planes, H, W), as PyTorch's AdaptiveAvgPool2d.
__host__ __device__ inline float adaptive_avg_pool_forward_at(const float* x, long long index, int H, int W, int P, int Q) {
    int j = (int) (index % Q), i = (int) ((index / Q) % P);
    long long plane = index / ((long long) P * Q);
    int h0 = adaptive_start(i, H, P), h1 = adaptive_end(i, H, P);
    int w0 = adaptive_start(j, W, Q), w1 = adaptive_end(j, W, Q);
    const float* in = x + plane * H * W;
    float sum = 0.0f;
    for (int h = h0; h < h1; h++)
        for (int w = w0; w < w1; w++) sum += in[(long long) h * W + w];
    return sum / (float) ((h1 - h0) * (w1 - w0));
}

// Input `index` of (planes, H, W): the sum of dy / window size over every output window containing it.
__host__ __device__ inline float adaptive_avg_pool_backward_at(const float* dy, long long index, int H, int W, int P, int Q) {
    int w = (int) (index % W), h = (int) ((index / W) % H);
    long long plane = index / ((long long) H * W);
    const float* grad = dy + plane * P * Q;
    // Windows are monotone in i, so the outputs whose window contains h lie in [floor(h*P/H), ceil((h+1)*P/H) - 1].
    int iFirst = (h * P) / H, iLast = ((h + 1) * P + H - 1) / H - 1;
    int jFirst = (w * Q) / W, jLast = ((w + 1) * Q + W - 1) / W - 1;
    float sum = 0.0f;
    for (int i = iFirst; i <= iLast && i < P; i++) {
        int h0 = adaptive_start(i, H, P), h1 = adaptive_end(i, H, P);
        if (h < h0 || h >= h1) continue;
        for (int j = jFirst; j <= jLast && j < Q; j++) {
            int w0 = adaptive_start(j, W, Q), w1 = adaptive_end(j, W, Q);
            if (w < w0 || w >= w1) continue;
            sum += grad[i * Q + j] / (float) ((h1 - h0) * (w1 - w0));
        }
    }
    return sum;
}

// The IEEE bit pattern of a float and back (intrinsics on the device; memcpy in a host program that includes <cstring>).
__host__ __device__ inline unsigned int float_bits(float f) {
#ifdef __CUDA_ARCH__
    return __float_as_uint(f);
#else
    unsigned int bits;
    memcpy(&bits, &f, 4);
    return bits;
#endif
}

__host__ __device__ inline float float_from_bits(unsigned int bits) {
#ifdef __CUDA_ARCH__
    return __uint_as_float(bits);
#else
    float f;
    memcpy(&f, &bits, 4);
    return f;
#endif
}

// ReLU as Java's Math.max(x, 0): NaN stays NaN (fmaxf would drop it), -0 becomes +0.
__host__ __device__ inline float relu_at(float x) { return x > 0.0f || x != x ? x : 0.0f; }

// ReLU's gradient: dy where y > 0, else 0 (a NaN y passes nothing, as in the reference).
__host__ __device__ inline float relu_backward_at(float dy, float y) { return y > 0.0f ? dy : 0.0f; }

// Max pooling geometry: window (R, S), stride, padding; padded cells never win.
struct PoolGeometry { int H, W, P, Q, R, S, strideH, strideW, padH, padW; };

// Input index (within one plane) of the maximum of window (p, q): the first NaN if there is one, else the first
// maximum in row-major window order (ties go to the earliest), exactly as the reference backend's windowArgmax.
__host__ __device__ inline int pool_window_argmax(const float* plane, int p, int q, PoolGeometry g) {
    int best = -1;
    float bestValue = 0.0f;
    for (int r = 0; r < g.R; r++) {
        int h = p * g.strideH - g.padH + r;
        if (h < 0 || h >= g.H) continue;
        for (int s = 0; s < g.S; s++) {
            int w = q * g.strideW - g.padW + s;
            if (w < 0 || w >= g.W) continue;
            float v = plane[h * g.W + w];
            if (v != v) return h * g.W + w;
            if (best < 0 || v > bestValue) { best = h * g.W + w; bestValue = v; }
        }
    }
    return best;
}

// y of output `index` of (planes, P, Q).
__host__ __device__ inline float max_pool_forward_at(const float* x, long long index, PoolGeometry g) {
    long long plane = index / ((long long) g.P * g.Q);
    int q = (int) (index % g.Q), p = (int) ((index / g.Q) % g.P);
    const float* in = x + plane * g.H * g.W;
    return in[pool_window_argmax(in, p, q, g)];
}

// dx of input `index` of (planes, H, W): the sum, in row-major order of the windows, of dy of every window whose
// maximum (pool_window_argmax) is this input. A gather, one thread per input: no atomics, deterministic.
__host__ __device__ inline float max_pool_backward_at(const float* dy, const float* x, long long index, PoolGeometry g) {
    long long plane = index / ((long long) g.H * g.W);
    int cell = (int) (index % ((long long) g.H * g.W)), h = cell / g.W, w = cell % g.W;
    const float* in = x + plane * g.H * g.W;
    const float* grad = dy + plane * g.P * g.Q;
    // windows containing row h: p * strideH - padH <= h <= p * strideH - padH + R - 1
    int pFirst = h + g.padH - g.R + 1, qFirst = w + g.padW - g.S + 1;
    pFirst = pFirst <= 0 ? 0 : (pFirst + g.strideH - 1) / g.strideH;
    qFirst = qFirst <= 0 ? 0 : (qFirst + g.strideW - 1) / g.strideW;
    int pLast = (h + g.padH) / g.strideH, qLast = (w + g.padW) / g.strideW;
    float sum = 0.0f;
    for (int p = pFirst; p <= pLast && p < g.P; p++)
        for (int q = qFirst; q <= qLast && q < g.Q; q++)
            if (pool_window_argmax(in, p, q, g) == cell) sum += grad[p * g.Q + q];
    return sum;
}

// float32 -> bfloat16 bits, round to nearest even; NaN stays a (quiet) NaN, overflow rounds to infinity.
__host__ __device__ inline unsigned short bfloat16_bits(float f) {
    unsigned int bits = float_bits(f);
    if ((bits & 0x7fffffffu) > 0x7f800000u) return (unsigned short) ((bits >> 16) | 0x0040u);
    bits += 0x7fffu + ((bits >> 16) & 1u);
    return (unsigned short) (bits >> 16);
}

__host__ __device__ inline float bfloat16_value(unsigned short h) {
    return float_from_bits((unsigned int) h << 16);
}

// float32 -> IEEE half bits, round to nearest even, with subnormals; overflow to infinity; NaN stays NaN.
__host__ __device__ inline unsigned short half_bits(float f) {
    unsigned int bits = float_bits(f);
    unsigned int sign = (bits >> 16) & 0x8000u, magnitude = bits & 0x7fffffffu;
    if (magnitude > 0x7f800000u) return (unsigned short) (sign | 0x7e00u | ((magnitude >> 13) & 0x3ffu));
    if (magnitude >= 0x477ff000u) return (unsigned short) (sign | 0x7c00u); // >= 65520 rounds past 65504
    if (magnitude >= 0x38800000u) {                                         // normal half: >= 2^-14
        unsigned int rounded = magnitude + 0xfffu + ((magnitude >> 13) & 1u);
        return (unsigned short) (sign | ((rounded - 0x38000000u) >> 13));
    }
    if (magnitude < 0x33000000u) return (unsigned short) sign;              // < 2^-25: rounds to zero
    // subnormal half: value = m * 2^-24 with m = round(f * 2^24), ties to even
    unsigned int exponent = magnitude >> 23, mantissa = (magnitude & 0x7fffffu) | 0x800000u;
    unsigned int shift = 126u - exponent;                                   // 14 .. 24 for 2^-25 <= f < 2^-14
    unsigned int kept = mantissa >> shift, rest = mantissa & ((1u << shift) - 1u), halfway = 1u << (shift - 1u);
    if (rest > halfway || (rest == halfway && (kept & 1u))) kept++;
    return (unsigned short) (sign | kept);
}

__host__ __device__ inline float half_value(unsigned short h) {
    unsigned int sign = (unsigned int) (h & 0x8000u) << 16, exponent = (h >> 10) & 0x1fu, mantissa = h & 0x3ffu;
    unsigned int bits;
    if (exponent == 0x1fu) bits = sign | 0x7f800000u | (mantissa << 13);
    else if (exponent != 0) bits = sign | ((exponent + 112u) << 23) | (mantissa << 13);
    else {
        float f = (float) mantissa * 5.9604644775390625e-8f; // exact: m * 2^-24
        return sign ? -f : f;
    }
    return float_from_bits(bits);
}

// The 16-bit formats of the reduced precisions.
#define FORMAT_BFLOAT16 0
#define FORMAT_HALF 1

__host__ __device__ inline unsigned short to_16(float f, int format) { return format == FORMAT_HALF ? half_bits(f) : bfloat16_bits(f); }
__host__ __device__ inline float from_16(unsigned short h, int format) { return format == FORMAT_HALF ? half_value(h) : bfloat16_value(h); }

// Half operands are scaled by a power of two so that their largest magnitude `amax` lands in (target/2, target]:
// scale = target / 2^ceil(log2(amax)), at most 2^64 (tinier operands are scaled less); 1 when amax is 0; NaN when
// amax is NaN or infinite, so that non-finite operands give NaN results.
__host__ __device__ inline float operand_scale(float amax, float target) {
    if (amax == 0.0f) return 1.0f;
    if (amax != amax || amax > 3.402823466e38f) return float_from_bits(0x7fc00000u);
    int exponent;
    float mantissa = frexpf(amax, &exponent); // amax = mantissa * 2^exponent, mantissa in [0.5, 1)
    if (mantissa == 0.5f) exponent--;        // a power of two: 2^ceil(log2 amax) = amax
    float scale = ldexpf(target, -exponent);
    return scale > 18446744073709551616.0f ? 18446744073709551616.0f : scale; // 2^64
}

// Index of element (n, c, h, w) of an (N, C, H, W) tensor in NHWC order, from its NCHW index.
__host__ __device__ inline long long nhwc_index(long long nchw, int C, int H, int W) {
    long long w = nchw % W, h = (nchw / W) % H, c = (nchw / ((long long) W * H)) % C, n = nchw / ((long long) W * H * C);
    return ((n * H + h) * W + w) * C + c;
}

#define GRID_STRIDE_LOOP(i, n) \
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += (long long) blockDim.x * gridDim.x)

extern "C" {

// y = relu(x); y may alias x.
__global__ void relu_forward(float* y, const float* x, long long n) {
    GRID_STRIDE_LOOP(i, n) y[i] = relu_at(x[i]);
}

// dx = dy where y > 0 else 0; dx may alias dy.
__global__ void relu_backward(float* dx, const float* dy, const float* y, long long n) {
    GRID_STRIDE_LOOP(i, n) dx[i] = relu_backward_at(dy[i], y[i]);
}

// Max pooling of (planes, H, W) to (planes, P, Q) with window R x S; see pool_window_argmax.
__global__ void max_pool_forward(float* y, const float* x, long long planes, int H, int W, int P, int Q, int R, int S,
                                 int strideH, int strideW, int padH, int padW) {
    PoolGeometry g = {H, W, P, Q, R, S, strideH, strideW, padH, padW};
    long long n = planes * P * Q;
    GRID_STRIDE_LOOP(i, n) y[i] = max_pool_forward_at(x, i, g);
}

// Its gradient, one thread per input element; dx is overwritten.
__global__ void max_pool_backward(float* dx, const float* dy, const float* x, long long planes, int H, int W, int P, int Q,
                                  int R, int S, int strideH, int strideW, int padH, int padW) {
    PoolGeometry g = {H, W, P, Q, R, S, strideH, strideW, padH, padW};
    long long n = planes * H * W;
    GRID_STRIDE_LOOP(i, n) dx[i] = max_pool_backward_at(dy, x, i, g);
}

// out[i] += in[i]: parameter gradients computed into scratch are added to the gradient arena.
__global__ void accumulate_float(float* out, const float* in, long long n) {
    GRID_STRIDE_LOOP(i, n) out[i] += in[i];
}

// amax[0] = max |x[i]| (amax[0] must start at 0; a NaN wins). Non-negative floats order as their bit patterns.
__global__ void max_magnitude(float* amax, const float* x, long long n) {
    __shared__ unsigned int reduce[THREADS_PER_BLOCK];
    unsigned int m = 0;
    GRID_STRIDE_LOOP(i, n) {
        float v = fabsf(x[i]);
        unsigned int bits = float_bits(v);
        m = bits > m ? bits : m;
    }
    reduce[threadIdx.x] = m;
    __syncthreads();
    for (int half = blockDim.x / 2; half > 0; half /= 2) {
        if (threadIdx.x < half && reduce[threadIdx.x + half] > reduce[threadIdx.x]) reduce[threadIdx.x] = reduce[threadIdx.x + half];
        __syncthreads();
    }
    if (threadIdx.x == 0) atomicMax((unsigned int*) amax, reduce[0]);
}

// out (16-bit, NHWC when nhwc != 0, else the same order) = x (float32 NCHW, shape (N, C, H, W)) times the
// operand scale (half: from amax[0] and target; bfloat16: amax is null, scale 1).
__global__ void to_16bit(unsigned short* out, const float* x, int N, int C, int H, int W, int nhwc, int format,
                         const float* amax, float target) {
    long long n = (long long) N * C * H * W;
    float scale = amax == 0 ? 1.0f : operand_scale(amax[0], target);
    GRID_STRIDE_LOOP(i, n) out[nhwc ? nhwc_index(i, C, H, W) : i] = to_16(x[i] * scale, format);
}

// out (float32 NCHW) = (accumulate ? out : 0) + in (16-bit, NHWC when nhwc != 0) / (scale of a * scale of b);
// the scales are those of to_16bit for the product's two operands (1 where their amax is null).
__global__ void from_16bit(float* out, const unsigned short* in, int N, int C, int H, int W, int nhwc, int format,
                           const float* amaxA, const float* amaxB, float target, int accumulate) {
    long long n = (long long) N * C * H * W;
    float scale = (amaxA == 0 ? 1.0f : operand_scale(amaxA[0], target)) * (amaxB == 0 ? 1.0f : operand_scale(amaxB[0], target));
    GRID_STRIDE_LOOP(i, n) {
        float v = from_16(in[nhwc ? nhwc_index(i, C, H, W) : i], format) / scale;
        out[i] = accumulate ? out[i] + v : v;
    }
}

// out (float32) = (accumulate ? out : 0) + in / (scale of a * scale of b): unscales a float32 GEMM result of scaled half operands.
__global__ void unscale_float(float* out, const float* in, long long n, const float* amaxA, const float* amaxB, float target, int accumulate) {
    float scale = (amaxA == 0 ? 1.0f : operand_scale(amaxA[0], target)) * (amaxB == 0 ? 1.0f : operand_scale(amaxB[0], target));
    GRID_STRIDE_LOOP(i, n) {
        float v = in[i] / scale;
        out[i] = accumulate ? out[i] + v : v;
    }
}

// x[i] = value for i < n.
__global__ void fill_float(float* x, long long n, float value) {
    GRID_STRIDE_LOOP(i, n) x[i] = value;
}

// out[i] = a[i] * b[i]; out may alias a or b.
__global__ void multiply_float(float* out, const float* a, const float* b, long long n) {
    GRID_STRIDE_LOOP(i, n) out[i] = a[i] * b[i];
}

// LRN denominator base: scale = k + alphaOverSize * sum of x^2 over the `size` channels centred on c (zero
// outside). x, scale: (N, C, spatial); one thread per element.
__global__ void lrn_scale(float* scale, const float* x, int channels, long long spatial, long long n,
                          int size, float alphaOverSize, float k) {
    GRID_STRIDE_LOOP(i, n) scale[i] = lrn_scale_at(x, i, channels, spatial, size, alphaOverSize, k);
}

// Inverted dropout: mask[i] = 0 if uniform(seed, i) < p else scale; y[i] = x[i] * mask[i]. y may alias x.
__global__ void dropout_forward(float* y, float* mask, const float* x, long long n, float p, float scale,
                                unsigned long long seed) {
    GRID_STRIDE_LOOP(i, n) {
        float m = dropout_mask_value(seed, (unsigned long long) i, p, scale);
        mask[i] = m;
        y[i] = x[i] * m;
    }
}

// One block per row: probs = softmax(logits). When labels is not null, rowLoss[row] = -log probs[label],
// computed as logsumexp - logit[label] for accuracy. blockDim.x must be THREADS_PER_BLOCK.
__global__ void softmax_rows(float* probs, float* rowLoss, const float* logits, const int* labels, int classes) {
    __shared__ float reduce[THREADS_PER_BLOCK];
    const float* in = logits + (long long) blockIdx.x * classes;
    float* out = probs + (long long) blockIdx.x * classes;
    int t = threadIdx.x;

    float m = -3.402823466e38f;
    for (int c = t; c < classes; c += blockDim.x) m = fmaxf(m, in[c]);
    reduce[t] = m;
    __syncthreads();
    for (int half = blockDim.x / 2; half > 0; half /= 2) {
        if (t < half) reduce[t] = fmaxf(reduce[t], reduce[t + half]);
        __syncthreads();
    }
    float rowMax = reduce[0];
    __syncthreads();

    float sum = 0.0f;
    for (int c = t; c < classes; c += blockDim.x) sum += expf(in[c] - rowMax);
    reduce[t] = sum;
    __syncthreads();
    for (int half = blockDim.x / 2; half > 0; half /= 2) {
        if (t < half) reduce[t] += reduce[t + half];
        __syncthreads();
    }
    float total = reduce[0];

    for (int c = t; c < classes; c += blockDim.x) out[c] = expf(in[c] - rowMax) / total;
    if (labels != 0 && t == 0) rowLoss[blockIdx.x] = logf(total) + rowMax - in[labels[blockIdx.x]];
}

// dlogits = (probs - onehot(labels)) / rows, the gradient of the mean cross-entropy. All (rows, classes).
__global__ void softmax_cross_entropy_backward(float* dlogits, const float* probs, const int* labels,
                                               int rows, int classes) {
    long long n = (long long) rows * classes;
    GRID_STRIDE_LOOP(i, n) dlogits[i] = softmax_cross_entropy_backward_at(probs, labels, i, rows, classes);
}

// SGD in the paper's form over whole arenas (see sgd_step).
__global__ void sgd_update(float* weights, float* velocity, const float* grads, long long n,
                           float learningRate, float momentum, float weightDecay) {
    GRID_STRIDE_LOOP(i, n) sgd_step(weights, velocity, grads, i, learningRate, momentum, weightDecay);
}

// Adaptive average pooling (see adaptive_avg_pool_forward_at). x: (planes, H, W), y: (planes, P, Q).
__global__ void adaptive_avg_pool_forward(float* y, const float* x, long long planes, int H, int W, int P, int Q) {
    long long n = planes * P * Q;
    GRID_STRIDE_LOOP(index, n) y[index] = adaptive_avg_pool_forward_at(x, index, H, W, P, Q);
}

// Its gradient, one thread per input element (no atomics). dx: (planes, H, W), dy: (planes, P, Q).
__global__ void adaptive_avg_pool_backward(float* dx, const float* dy, long long planes, int H, int W, int P, int Q) {
    long long n = planes * H * W;
    GRID_STRIDE_LOOP(index, n) dx[index] = adaptive_avg_pool_backward_at(dy, index, H, W, P, Q);
}

} // extern "C"
