package dev.runner.spec.lang;

/**
 * A problem with an experiment: one line naming where ({@code file:line:column}), the key path and what is
 * wrong. The CLI prints {@link #getMessage()} as is and exits with code 2.
 */
public class SpecException extends RuntimeException {
    private final SourcePos pos;
    private final String path;
    private final String problem;

    public SpecException(SourcePos pos, String path, String problem) {
        super(format(pos, path, problem));
        this.pos = pos;
        this.path = path;
        this.problem = problem;
    }

    public static String format(SourcePos pos, String path, String problem) {
        StringBuilder sb = new StringBuilder();
        if (pos != null) sb.append(pos).append(": ");
        if (path != null && !path.isEmpty()) sb.append(path).append(": ");
        return sb.append(problem).toString();
    }

    public SourcePos pos() { return pos; }
    public String path() { return path; }
    public String problem() { return problem; }
}
