package dev.runner.spec.lang;

import java.nio.file.Path;

/** A position in an experiment file (1-based line and column), or a command-line flag. */
public record SourcePos(String file, int line, int column) {
    public static SourcePos of(Path file, int line, int column) {
        return new SourcePos(file == null ? "<unknown>" : file.toString(), line, column);
    }

    /** A position that is a command-line flag such as {@code --set epochs=2}. */
    public static SourcePos flag(String flag) {
        // a flag's value can be long (a --grid of 10,000 values): the error names its start, not all of it
        return new SourcePos(dev.runner.Text.printable(flag, 120), 0, 0);
    }

    @Override
    public String toString() {
        return line <= 0 ? file : file + ":" + line + ":" + column;
    }
}
