// The jar's entry point, compiled for Java 8 so that an old java can run it and say what it needs.
package org.alexnet4j.cli;

import java.io.File;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * {@code java -jar alexnet4j.jar} starts here. The rest of alexnet4j is compiled for Java 25, which an older
 * JVM refuses with an UnsupportedClassVersionError before any code runs; this class is compiled for Java 8
 * (a separate compiler execution in the pom, and only Java 8 API here), checks the running Java, and either
 * says in one line what is needed or hands over to {@link Main} (looked up by name, so it is loaded only then).
 */
public final class Start {
    /** The oldest Java alexnet4j runs on. */
    static final int REQUIRED_FEATURE = 25;

    private Start() {}

    public static void main(String[] args) throws Throwable {
        String refusal = refusal(System.getProperty("java.specification.version"), System.getProperty("java.home"), jarPath());
        if (refusal != null) {
            System.err.println(refusal);
            System.exit(1);
        }
        MethodHandle main = MethodHandles.lookup().findStatic(Class.forName("org.alexnet4j.cli.Main"), "main",
                MethodType.methodType(void.class, String[].class));
        main.invokeExact(args);
    }

    /**
     * The line that refuses a Java whose java.specification.version is {@code version} ("1.8", "17", "25"), or
     * null when it is new enough. {@code javaHome} and {@code jar} go into the message.
     */
    static String refusal(String version, String javaHome, String jar) {
        int feature;
        try {
            feature = Integer.parseInt(version.startsWith("1.") ? version.substring(2) : version);
        } catch (RuntimeException e) {
            return null; // not a version this check understands: let the JVM decide
        }
        if (feature >= REQUIRED_FEATURE) return null;
        return "alexnet4j needs Java " + REQUIRED_FEATURE + " or newer, but this is Java " + feature + " (" + javaHome + "); run it with a JDK "
                + REQUIRED_FEATURE + "'s java: /path/to/jdk-" + REQUIRED_FEATURE + "/bin/java -jar " + jar;
    }

    /** The jar this class was loaded from, for the message (its name alone when that cannot be told). */
    private static String jarPath() {
        try {
            return new File(Start.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getPath();
        } catch (Exception e) {
            return "alexnet4j.jar";
        }
    }
}
