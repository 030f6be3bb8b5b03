package org.alexnet4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.File;
import java.nio.charset.StandardCharsets;
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

/**
 * How the CUDA backend reports itself: registered as "cuda" with priority 20; on a machine without the
 * driver, a GPU or the libraries, unavailable with a one-line reason that Backends.create repeats, absent
 * from Backends.available(), and the probe neither crashes the JVM nor prints anything.
 */
class CudaAvailabilityTest {

    @Test void providerIsRegisteredAsCudaWithPriority20() {
        BackendProvider cuda = Backends.providers().stream().filter(p -> p.name().equals("cuda")).findFirst()
                .orElseThrow(() -> new AssertionError("no provider named cuda in META-INF/services"));
        assertEquals(20, cuda.priority());
        assertTrue(cuda instanceof CudaBackendProvider);
    }

    @Test void unavailableBackendGivesOneLineReasonThatCreateRepeats() {
        Availability availability = new CudaBackendProvider().availability();
        assumeFalse(availability.available(), "CUDA is available here: " + availability.reason());
        String reason = availability.reason();
        assertFalse(reason.isBlank(), "empty reason");
        assertFalse(reason.contains("\n"), "reason is not one line: " + reason);
        assertFalse(Backends.available().contains("cuda"), "Backends.available() lists cuda: " + Backends.available());
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

    /** In a fresh JVM (the probe runs once per JVM): exits normally, prints only what the program prints. */
    @Test void probeInAFreshJvmPrintsNothingAndDoesNotCrash() throws Exception {
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        Process process = new ProcessBuilder(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp", classPath(),
                ProbeMain.class.getName())).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "probe JVM did not finish");
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
