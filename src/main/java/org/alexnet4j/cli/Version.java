// The version string of `alexnet4j --version`.
package org.alexnet4j.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;

/** Reads the version Maven records in the jar (META-INF/maven/.../pom.properties); "development" outside a jar. */
public final class Version implements CommandLine.IVersionProvider {
    private static final String POM_PROPERTIES = "/META-INF/maven/org.alexnet4j/alexnet4j/pom.properties";

    /** The project version, e.g. 0.1.0-SNAPSHOT. */
    public static String current() {
        try (InputStream in = Version.class.getResourceAsStream(POM_PROPERTIES)) {
            if (in == null) return "development";
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "development");
        } catch (IOException e) {
            return "development";
        }
    }

    @Override public String[] getVersion() {
        return new String[] {"alexnet4j " + current(), "Java " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")",
                "Vector API module: " + (Relauncher.vectorModulePresent() ? "present" : "absent")};
    }
}
