package org.alexnet4j.backend.cuda;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.alexnet4j.backend.BackendProvider.Availability;
import org.bytedeco.cuda.cudart.cudaDeviceProp;
import org.bytedeco.cuda.global.cublas;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.cuda.global.cudnn;
import org.bytedeco.cuda.global.nvrtc;

/**
 * Whether the CUDA backend can run on this machine, decided once per JVM: loads the JavaCPP CUDA classes
 * (which load the driver, CUDA runtime, cuDNN, cuBLAS and NVRTC) and asks for a device and the library
 * versions. A missing library or device becomes a one-line reason; nothing here can crash the JVM, and
 * nothing is printed. Loading is attempted once only, because a JVM never retries a failed class init.
 */
final class CudaProbe {
    static final int CUDNN_MAJOR = 9;
    static final int CUBLAS_MAJOR = 13;

    private CudaProbe() {}

    /** The cached answer. */
    static Availability availability() { return Holder.RESULT.availability(); }

    /** The number of CUDA devices (0 where the backend is unavailable). */
    static int deviceCount() { return Holder.RESULT.devices(); }

    private record Probe(Availability availability, int devices) {}

    private static final class Holder {
        static final Probe RESULT = probe();
    }

    private static Probe probe() {
        int[] count = {0};
        Availability availability = probe(count);
        return new Probe(availability, availability.available() ? count[0] : 0);
    }

    /** Probes the libraries and devices; count[0] = the number of devices. */
    private static Availability probe(int[] count) {
        try {
            int status = cudart.cudaGetDeviceCount(count); // first use loads libcuda.so.1 and libcudart.so.13
            if (status != cudart.cudaSuccess) {
                return Availability.no("no usable CUDA device (cudaGetDeviceCount: " + cudart.cudaGetErrorName(status).getString() + ")");
            }
            if (count[0] < 1) return Availability.no("no CUDA device found (cudaGetDeviceCount = 0)");
            int[] driver = {0};
            CudaStatus.runtime(cudart.cudaDriverGetVersion(driver), "cudaDriverGetVersion");
            String device = describeDevice(0) + (count[0] > 1 ? " (device 0 of " + count[0] + ")" : "");

            long cudnnVersion = cudnn.cudnnGetVersion(); // loads the cuDNN 9 libraries
            if (cudnnVersion / 10000 != CUDNN_MAJOR) {
                return Availability.no("cuDNN " + CUDNN_MAJOR + ".x needed, found version code " + cudnnVersion);
            }
            int[] cublasMajor = {0}, cublasMinor = {0};
            CudaStatus.cublas(cublas.cublasGetProperty(cudart.MAJOR_VERSION, cublasMajor), "cublasGetProperty");
            CudaStatus.cublas(cublas.cublasGetProperty(cudart.MINOR_VERSION, cublasMinor), "cublasGetProperty");
            if (cublasMajor[0] != CUBLAS_MAJOR) {
                return Availability.no("cuBLAS " + CUBLAS_MAJOR + ".x needed, found " + cublasMajor[0] + "." + cublasMinor[0]);
            }
            int[] nvrtcMajor = {0}, nvrtcMinor = {0};
            CudaStatus.nvrtc(nvrtc.nvrtcVersion(nvrtcMajor, nvrtcMinor), "nvrtcVersion");

            return Availability.yes(device + ", driver " + driver[0] / 1000 + "." + driver[0] % 1000 / 10
                    + ", cuDNN " + cudnnVersion / 10000 + "." + cudnnVersion % 10000 / 100 + "." + cudnnVersion % 100
                    + ", cuBLAS " + cublasMajor[0] + "." + cublasMinor[0] + ", NVRTC " + nvrtcMajor[0] + "." + nvrtcMinor[0]);
        } catch (Throwable failure) { // UnsatisfiedLinkError, NoClassDefFoundError, ExceptionInInitializerError, CudaException
            return Availability.no(reason(failure));
        }
    }

    /** "NVIDIA H200 (sm_90, 139.8 GiB)" for device {@code index}. */
    static String describeDevice(int index) {
        try (cudaDeviceProp properties = new cudaDeviceProp()) {
            CudaStatus.runtime(cudart.cudaGetDeviceProperties(properties, index), "cudaGetDeviceProperties(" + index + ")");
            return properties.name().getString() + " (sm_" + properties.major() + properties.minor() + ", "
                    + String.format("%.1f GiB", properties.totalGlobalMem() / (double) (1L << 30)) + ")";
        }
    }

    private static final Pattern MISSING_LIBRARY = Pattern.compile("(lib[\\w.+-]+\\.so[.\\d]*): cannot open shared object file");

    /** One line for why loading failed: the missing shared library if the error chain names one. */
    static String reason(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            Matcher missing = MISSING_LIBRARY.matcher(String.valueOf(t.getMessage()));
            if (missing.find()) {
                String library = missing.group(1);
                return library.startsWith("libcuda.so")
                        ? "no CUDA driver (" + library + " not found)"
                        : "CUDA library " + library + " not found (add its folder to LD_LIBRARY_PATH)";
            }
        }
        Throwable root = failure;
        while (root.getCause() != null) root = root.getCause();
        String message = String.valueOf(root.getMessage()).lines().findFirst().orElse("");
        return "CUDA libraries could not be loaded: " + root.getClass().getSimpleName() + ": " + message;
    }
}
