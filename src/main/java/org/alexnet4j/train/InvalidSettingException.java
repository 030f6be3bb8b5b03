// A training setting out of its range, named in the library's words so that each front end can name its own flag.
package org.alexnet4j.train;

/**
 * Thrown for a setting that cannot be used; {@link #setting()} names it as the library does ("epochs",
 * "learning rate"), {@link #problem()} says what is wrong ("must be >= 1, got 0"). A command line
 * translates the setting into its option name.
 */
public final class InvalidSettingException extends IllegalArgumentException {
    private final String setting;
    private final String problem;

    public InvalidSettingException(String setting, String problem) {
        super(setting + " " + problem);
        this.setting = setting;
        this.problem = problem;
    }

    public String setting() { return setting; }

    public String problem() { return problem; }
}
