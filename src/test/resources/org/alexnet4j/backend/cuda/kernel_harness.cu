// Host program for NativeKernelsTest: runs the __host__ __device__ element functions of alexnet4j_kernels.cu
// on the CPU (no GPU needed) for commands read from stdin and prints one line of results per command.
// Floats travel as their IEEE bit patterns (unsigned decimal), so nothing is lost in printing or parsing.
#include <cstdio>
#include <cstring>
#include <vector>
#include "alexnet4j_kernels.cu"

// Inputs both sides can compute exactly: multiples of 1/16 in [-50/16, 50/16].
static float value(long long i) { return (float) (((i * 37) % 101) - 50) / 16.0f; }

static float from_bits(unsigned int bits) { float f; memcpy(&f, &bits, 4); return f; }

static void print(float f) { unsigned int bits; memcpy(&bits, &f, 4); printf(" %u", bits); }

// Reads `count` floats given as bit patterns.
static std::vector<float> read_floats(long long count) {
    std::vector<float> v(count);
    for (long long i = 0; i < count; i++) { unsigned int bits; scanf("%u", &bits); v[i] = from_bits(bits); }
    return v;
}

int main() {
    char command[32];
    while (scanf("%31s", command) == 1) {
        if (!strcmp(command, "rng")) {                 // rng seed index -> bits, uniform
            unsigned long long seed, index;
            scanf("%llu %llu", &seed, &index);
            printf(" %llu", counter_bits(seed, index));
            print(counter_uniform(seed, index));
        } else if (!strcmp(command, "dropout")) {      // dropout seed n p scale -> n mask values
            unsigned long long seed; long long n; unsigned int p, scale;
            scanf("%llu %lld %u %u", &seed, &n, &p, &scale);
            for (long long i = 0; i < n; i++) print(dropout_mask_value(seed, (unsigned long long) i, from_bits(p), from_bits(scale)));
        } else if (!strcmp(command, "pool")) {         // pool planes H W P Q -> y (planes, P, Q), then dx (planes, H, W)
            long long planes; int H, W, P, Q;
            scanf("%lld %d %d %d %d", &planes, &H, &W, &P, &Q);
            std::vector<float> x(planes * H * W), dy(planes * P * Q);
            for (long long i = 0; i < (long long) x.size(); i++) x[i] = value(i);
            for (long long i = 0; i < (long long) dy.size(); i++) dy[i] = value(i + 7);
            for (long long i = 0; i < (long long) dy.size(); i++) print(adaptive_avg_pool_forward_at(x.data(), i, H, W, P, Q));
            for (long long i = 0; i < (long long) x.size(); i++) print(adaptive_avg_pool_backward_at(dy.data(), i, H, W, P, Q));
        } else if (!strcmp(command, "lrn")) {          // lrn n channels spatial size alphaOverSize k -> scale
            int n, channels, size; long long spatial; unsigned int alphaOverSize, k;
            scanf("%d %d %lld %d %u %u", &n, &channels, &spatial, &size, &alphaOverSize, &k);
            std::vector<float> x((long long) n * channels * spatial);
            for (long long i = 0; i < (long long) x.size(); i++) x[i] = value(i);
            for (long long i = 0; i < (long long) x.size(); i++)
                print(lrn_scale_at(x.data(), i, channels, spatial, size, from_bits(alphaOverSize), from_bits(k)));
        } else if (!strcmp(command, "sgd")) {          // sgd n lr momentum weightDecay -> weights, then velocity
            long long n; unsigned int lr, momentum, decay;
            scanf("%lld %u %u %u", &n, &lr, &momentum, &decay);
            std::vector<float> w(n), v(n), g(n);
            for (long long i = 0; i < n; i++) { w[i] = value(i); v[i] = value(i + 3) / 8; g[i] = value(i + 5) / 4; }
            for (long long i = 0; i < n; i++) sgd_step(w.data(), v.data(), g.data(), i, from_bits(lr), from_bits(momentum), from_bits(decay));
            for (long long i = 0; i < n; i++) print(w[i]);
            for (long long i = 0; i < n; i++) print(v[i]);
        } else if (!strcmp(command, "crossentropy")) { // crossentropy rows classes -> dlogits; labels[r] = 7r mod classes
            int rows, classes;
            scanf("%d %d", &rows, &classes);
            std::vector<float> probs((long long) rows * classes);
            std::vector<int> labels(rows);
            for (long long i = 0; i < (long long) probs.size(); i++) probs[i] = value(i);
            for (int r = 0; r < rows; r++) labels[r] = (7 * r) % classes;
            for (long long i = 0; i < (long long) probs.size(); i++)
                print(softmax_cross_entropy_backward_at(probs.data(), labels.data(), i, rows, classes));
        } else if (!strcmp(command, "relu")) {         // relu n x... -> relu(x) each, then relu_backward(dy = 1, y = x) each
            long long n;
            scanf("%lld", &n);
            std::vector<float> x = read_floats(n);
            for (long long i = 0; i < n; i++) print(relu_at(x[i]));
            for (long long i = 0; i < n; i++) print(relu_backward_at(1.0f, x[i]));
        } else if (!strcmp(command, "maxpool")) {      // maxpool planes H W P Q R S sh sw ph pw x... dy... -> y, then dx
            long long planes; PoolGeometry g;
            scanf("%lld %d %d %d %d %d %d %d %d %d %d", &planes, &g.H, &g.W, &g.P, &g.Q, &g.R, &g.S, &g.strideH, &g.strideW, &g.padH, &g.padW);
            std::vector<float> x = read_floats(planes * g.H * g.W), dy = read_floats(planes * g.P * g.Q);
            for (long long i = 0; i < planes * g.P * g.Q; i++) print(max_pool_forward_at(x.data(), i, g));
            for (long long i = 0; i < planes * g.H * g.W; i++) print(max_pool_backward_at(dy.data(), x.data(), i, g));
        } else if (!strcmp(command, "to16")) {         // to16 format n x... -> 16-bit patterns, then their values as floats
            int format; long long n;
            scanf("%d %lld", &format, &n);
            std::vector<float> x = read_floats(n);
            for (long long i = 0; i < n; i++) printf(" %u", (unsigned int) to_16(x[i], format));
            for (long long i = 0; i < n; i++) print(from_16(to_16(x[i], format), format));
        } else if (!strcmp(command, "scale")) {        // scale n target amax... -> operand_scale(amax, target) each
            long long n; unsigned int target;
            scanf("%lld %u", &n, &target);
            std::vector<float> amax = read_floats(n);
            for (long long i = 0; i < n; i++) print(operand_scale(amax[i], from_bits(target)));
        } else if (!strcmp(command, "nhwc")) {         // nhwc N C H W -> the NHWC index of every NCHW index
            int N, C, H, W;
            scanf("%d %d %d %d", &N, &C, &H, &W);
            for (long long i = 0; i < (long long) N * C * H * W; i++) printf(" %lld", nhwc_index(i, C, H, W));
        } else {
            fprintf(stderr, "unknown command %s\n", command);
            return 2;
        }
        printf("\n");
        fflush(stdout);
    }
    return 0;
}
