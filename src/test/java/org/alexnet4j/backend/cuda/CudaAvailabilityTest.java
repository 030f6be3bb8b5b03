package org.alexnet4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.alexnet4j.backend.BackendProvider;
import org.alexnet4j.backend.BackendProvider.Availability;
import org.alexnet4j.backend.Backends;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.Loader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the CUDA backend reports itself: registered as "cuda" with priority 20; on a machine without the
 * driver, a GPU or the libraries, unavailable with a one-line reason that Backends.create repeats, absent
 * from Backends.available(); where it runs, a one-line description; the probe neither crashes the JVM nor
 * prints anything. Nothing here is skipped, with or without a GPU.
 */
class CudaAvailabilityTest {

    @Test void providerIsRegisteredAsCudaWithPriority20() {
        BackendProvider cuda = Backends.providers().stream().filter(p -> p.name().equals("cuda")).findFirst()
                .orElseThrow(() -> new AssertionError("no provider named cuda in META-INF/services"));
        assertEquals(20, cuda.priority());
        assertTrue(cuda instanceof CudaBackendProvider);
    }

    /** Available: a one-line description of device and libraries, listed by Backends.available(). Not: a one-line reason create repeats. */
    @Test void availabilityIsOneLineThatBackendsAgreeWith() {
        Availability availability = new CudaBackendProvider().availability();
        String reason = availability.reason();
        assertFalse(reason.isBlank(), "empty reason");
        assertFalse(reason.contains("\n"), "reason is not one line: " + reason);
        assertEquals(availability.available(), Backends.available().contains("cuda"), "Backends.available() = " + Backends.available() + ", cuda: " + reason);
        if (availability.available()) {
            assertTrue(reason.contains("cuDNN 9.") && reason.contains("cuBLAS 13."), "the description names the libraries: " + reason);
            return;
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Backends.create("cuda"));
        assertTrue(e.getMessage().contains(reason), "create's message does not give the reason: " + e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "create's message is not one line: " + e.getMessage());
    }

    /** The JavaCPP error for a machine without the driver, as the CUDA classes raise it. */
    @Test void missingDriverIsNamed() {
        UnsatisfiedLinkError failure = new UnsatisfiedLinkError("no jnicudart in java.library.path: /usr/lib64:/lib64");
        failure.initCause(new UnsatisfiedLinkError(
                "/root/.javacpp/cache/cuda-linux-x86_64.jar/org/bytedeco/cuda/linux-x86_64/libjnicudart.so: libcuda.so.1: cannot open shared object file: No such file or directory"));
        assertEquals("no CUDA driver (libcuda.so.1 not found)", CudaProbe.reason(failure));
    }

    @Test void missingLibraryIsNamedWithTheFix() {
        Throwable failure = new ExceptionInInitializerError(new UnsatisfiedLinkError(
                "/tmp/libjnicudnn.so: libcudnn_cnn.so.9: cannot open shared object file: No such file or directory"));
        assertEquals("CUDA library libcudnn_cnn.so.9 not found (add its folder to LD_LIBRARY_PATH)", CudaProbe.reason(failure));
    }

    @Test void otherLoadFailuresGiveTheRootCauseOnOneLine() {
        Throwable failure = new NoClassDefFoundError("Could not initialize class org.bytedeco.cuda.global.cudart");
        failure.initCause(new ExceptionInInitializerError("Exception java.lang.UnsatisfiedLinkError: no jnicudart\n\tat somewhere"));
        assertEquals("CUDA libraries could not be loaded: ExceptionInInitializerError: Exception java.lang.UnsatisfiedLinkError: no jnicudart",
                CudaProbe.reason(failure));
    }

    /**
     * In a fresh JVM (the probe runs once per JVM): exits normally, prints only what the program prints. Its
     * output goes to files, so a hung probe ends the test after 60 s (killed) instead of blocking a read.
     */
    @Test void probeInAFreshJvmPrintsNothingAndDoesNotCrash(@TempDir Path dir) throws Exception {
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        Path outFile = dir.resolve("out.txt"), errFile = dir.resolve("err.txt");
        Process process = new ProcessBuilder(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp", classPath(),
                ProbeMain.class.getName())).redirectOutput(outFile.toFile()).redirectError(errFile.toFile()).start();
        boolean finished = process.waitFor(60, TimeUnit.SECONDS);
        if (!finished) process.destroyForcibly().waitFor();
        String out = Files.readString(outFile, StandardCharsets.UTF_8), err = Files.readString(errFile, StandardCharsets.UTF_8);
        assertTrue(finished, "probe JVM did not finish within 60 s (killed); its output: " + out + err);
        assertEquals(0, process.exitValue(), "probe JVM exit status; stderr: " + err);
        assertEquals("", err, "the probe printed to stderr");
        List<String> lines = out.lines().toList();
        assertEquals(2, lines.size(), "expected two lines, got: " + out);
        assertTrue(lines.get(0).startsWith("cuda available=true ") || lines.get(0).startsWith("cuda available=false "), out);
        assertEquals(lines.get(0).startsWith("cuda available=true "), lines.get(1).contains("cuda"), "availability and Backends.available() disagree: " + out);
    }

    /** This JVM's class path plus where the classes the probe needs came from (a test launcher may load them itself). */
    private static String classPath() throws Exception {
        Set<String> entries = new LinkedHashSet<>(List.of(System.getProperty("java.class.path").split(File.pathSeparator)));
        for (Class<?> c : List.of(ProbeMain.class, CudaBackendProvider.class, Loader.class, cudart.class)) {
            entries.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        }
        return String.join(File.pathSeparator, entries);
    }

    /** What the fresh JVM runs. */
    static final class ProbeMain {
        public static void main(String[] args) {
            Availability availability = new CudaBackendProvider().availability();
            System.out.println("cuda available=" + availability.available() + " " + availability.reason());
            System.out.println("available backends " + Backends.available());
        }
    }
}
