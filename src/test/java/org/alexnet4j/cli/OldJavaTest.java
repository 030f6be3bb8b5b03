// A Java older than 25: the jar's entry class and the Maven wrapper each end in one line saying what is needed.
package org.alexnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OldJavaTest {
    /** Exit code and both streams of {@code command}, run in {@code dir} with {@code environment} changes (null value: removed). */
    private record Run(int exitCode, String out, String err) {}

    private static Run run(Path dir, java.util.Map<String, String> environment, String... command) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
        environment.forEach((k, v) -> { if (v == null) builder.environment().remove(k); else builder.environment().put(k, v); });
        Process p = builder.start();
        java.util.concurrent.Future<String> err = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()
                .submit(() -> new String(p.getErrorStream().readAllBytes()));
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), String.join(" ", command));
        return new Run(p.exitValue(), out, err.get());
    }

    // ---- the jar's entry class ---------------------------------------------------------------

    @Test void theEntryClassIsCompiledForJava8() throws IOException {
        try (InputStream in = Start.class.getResourceAsStream("Start.class")) {
            byte[] header = in.readNBytes(8);
            assertEquals(52, ((header[6] & 0xff) << 8) | (header[7] & 0xff), "class file major version 52 = Java 8");
        }
    }

    @Test void anOldJavaIsRefusedInOneLineNamingWhatIsNeeded() {
        assertEquals("alexnet4j needs Java 25 or newer, but this is Java 17 (/opt/jdk-17); run it with a JDK 25's java: "
                + "/path/to/jdk-25/bin/java -jar /x/alexnet4j.jar", Start.refusal("17", "/opt/jdk-17", "/x/alexnet4j.jar"));
        assertTrue(Start.refusal("1.8", "/opt/jdk8", "a.jar").startsWith("alexnet4j needs Java 25 or newer, but this is Java 8 ("));
        assertNull(Start.refusal("25", "/opt/jdk-25", "a.jar"));
        assertNull(Start.refusal("26", "/opt/jdk-26", "a.jar"));
    }

    /** An installed JDK older than 25 (e.g. a system Java 17), if the machine has one. */
    private static Optional<Path> oldJdk() throws IOException {
        Path jvms = Path.of("/usr/lib/jvm");
        if (!Files.isDirectory(jvms)) return Optional.empty();
        try (Stream<Path> dirs = Files.list(jvms)) {
            for (Path dir : dirs.sorted().toList()) {
                Path release = dir.resolve("release");
                if (!Files.isExecutable(dir.resolve("bin/java")) || !Files.isRegularFile(release)) continue;
                for (String line : Files.readAllLines(release)) {
                    if (line.startsWith("JAVA_VERSION=\"") && Integer.parseInt(line.replaceAll("^JAVA_VERSION=\"(1\\.)?(\\d+).*", "$2")) < 25) return Optional.of(dir);
                }
            }
        }
        return Optional.empty();
    }

    @Test void anInstalledOldJavaRunningTheEntryClassGetsTheLineAndExitCode1(@TempDir Path dir) throws Exception {
        Optional<Path> old = oldJdk();
        assumeTrue(old.isPresent(), "no JDK older than 25 in /usr/lib/jvm to try");
        String classes = Path.of(Start.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        Run r = run(dir, java.util.Map.of(), old.get().resolve("bin/java").toString(), "-cp", classes, Start.class.getName(), "--version");
        assertEquals(1, r.exitCode(), r.toString());
        assertEquals("", r.out());
        assertTrue(r.err().strip().matches("alexnet4j needs Java 25 or newer, but this is Java \\d+ \\(.*\\); run it with a JDK 25's java: .*"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    // ---- the Maven wrapper's JDK search (.mvn/jdk.sh) --------------------------------------------

    /** A directory that looks like a JDK of {@code version}: bin/java, bin/javac and a release file. */
    private static Path fakeJdk(Path root, String name, String version) throws IOException {
        Path jdk = root.resolve(name);
        Files.createDirectories(jdk.resolve("bin"));
        for (String tool : List.of("java", "javac")) {
            Path file = Files.writeString(jdk.resolve("bin").resolve(tool), "#!/bin/sh\nexit 0\n");
            file.toFile().setExecutable(true);
        }
        Files.writeString(jdk.resolve("release"), "IMPLEMENTOR=\"test\"\nJAVA_VERSION=\"" + version + "\"\n");
        return jdk;
    }

    /** A directory on PATH with the tools .mvn/jdk.sh uses and no java, so the machine's own JDKs stay out of the test. */
    private static Path toolsWithoutJava(Path dir) throws IOException {
        Path bin = Files.createDirectories(dir.resolve("tools"));
        for (String tool : List.of("sed", "dirname", "readlink")) {
            Path target = Stream.of("/usr/bin", "/bin").map(d -> Path.of(d, tool)).filter(Files::isExecutable).findFirst().orElseThrow();
            Files.writeString(bin.resolve(tool), "#!/bin/sh\nexec " + target + " \"$@\"\n").toFile().setExecutable(true);
        }
        return bin;
    }

    /** Sources .mvn/jdk.sh under mvnw's shell options and prints the JAVA_HOME it settles on. */
    private static Run requireJdk25(Path dir, String javaHome, String places) throws Exception {
        Path script = Path.of(".mvn/jdk.sh").toAbsolutePath();
        java.util.Map<String, String> environment = new java.util.HashMap<>();
        environment.put("JAVA_HOME", javaHome);
        environment.put("ALEXNET4J_JDK_PLACES", places);
        environment.put("PATH", toolsWithoutJava(dir).toString());
        return run(dir, environment, "/bin/sh", "-c", "set -euf; . " + script + "; require_jdk25; echo \"$JAVA_HOME\"");
    }

    @Test void theWrapperTakesJavaHomeWhenNewEnoughElseTheNewestInstalledJdk(@TempDir Path dir) throws Exception {
        Path old = fakeJdk(dir, "jdk-17", "17.0.2"), eight = fakeJdk(dir, "jdk8", "1.8.0_392"), jdk25 = fakeJdk(dir, "jdk-25", "25.0.1"),
                jdk26 = fakeJdk(dir, "jdk-26", "26");
        Run given = requireJdk25(dir, jdk25.toString(), dir + "/*");
        assertEquals(jdk25 + "\n", given.out(), given.toString());
        assertEquals("", given.err());

        Run found = requireJdk25(dir, old.toString(), dir + "/*");
        assertEquals(jdk26 + "\n", found.out(), "the newest of those installed: " + found);
        assertEquals("note: building with the JDK at " + jdk26 + " (JAVA_HOME is " + old + " (Java 17))\n", found.err());

        Run none = requireJdk25(dir, old.toString(), old + " " + eight);
        assertEquals(1, none.exitCode(), none.toString());
        assertEquals("alexnet4j needs a JDK 25 or newer and found none (JAVA_HOME is " + old + " (Java 17)): install one (e.g. Temurin 25)"
                + " and run export JAVA_HOME=/path/to/jdk-25\n", none.err());
    }

    /** The real wrapper with a JAVA_HOME older than 25: Maven never starts (it would die on .mvn/jvm.config's flag), one line instead. */
    @Test void theWrapperStopsInOneLineWhenNoJdk25IsFound(@TempDir Path dir) throws Exception {
        Path old = fakeJdk(dir, "jdk-17", "17.0.2");
        Run r = run(Path.of("").toAbsolutePath(), java.util.Map.of("JAVA_HOME", old.toString(), "ALEXNET4J_JDK_PLACES", old.toString()), "./mvnw", "-v");
        assertEquals(1, r.exitCode(), r.toString());
        assertEquals("", r.out(), r.toString());
        assertTrue(r.err().startsWith("alexnet4j needs a JDK 25 or newer and found none (JAVA_HOME is " + old + " (Java 17))"), r.toString());
        assertEquals(1, r.err().strip().lines().count(), r.toString());
    }
}
