// CUDA C kernels for the ops cuDNN and cuBLAS lack (fill, LRN scale, dropout, softmax cross-entropy, SGD,
// adaptive average pooling). Compiled at run time by NVRTC for the device's own architecture; self-contained
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

#define GRID_STRIDE_LOOP(i, n) \
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += (long long) blockDim.x * gridDim.x)

extern "C" {

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
