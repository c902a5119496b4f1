package dev.runner;

/**
 * Text from a file or an argument made safe to print: control characters (the ESC of terminal escape sequences,
 * carriage returns, newlines, NUL) become their Unicode pictures (ESC is ␛), format characters (bidirectional
 * overrides), unpaired surrogates and other C1 controls become {@code ?}, and a text longer than its limit is cut with "…" and its full length. The one place a string a
 * user did not type at this terminal is cleaned before it reaches the terminal, a report or an error line.
 */
public final class Text {
    private Text() {
    }

    /** {@code s} with unprintable characters replaced and at most {@code max} characters kept; null stays null. */
    public static String printable(String s, int max) {
        if (s == null) {
            return null;
        }
        StringBuilder sb = new StringBuilder(Math.min(s.length(), max + 16));
        int n = 0;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            int len = Character.charCount(cp);
            if (n >= max) {
                sb.append("… (").append(s.length()).append(" characters)");
                return sb.toString();
            }
            int type = Character.getType(cp);
            boolean bad = type == Character.CONTROL || type == Character.FORMAT || type == Character.SURROGATE
                    || type == Character.UNASSIGNED || type == Character.LINE_SEPARATOR
                    || type == Character.PARAGRAPH_SEPARATOR;
            if (bad && (cp < 0x20 || cp == 0x7f)) {
                sb.appendCodePoint(cp == 0x7f ? 0x2421 : 0x2400 + cp);     // the control's picture: ESC is ␛
            } else if (bad) {
                sb.append('?');
            } else {
                sb.appendCodePoint(cp);
            }
            n++;
            i += len;
        }
        return sb.toString();
    }

    /** {@link #printable(String, int)} with a generous limit (a value shown in a table or report). */
    public static String printable(String s) {
        return printable(s, 2000);
    }

    /** True when {@code s} has nothing {@link #printable} would change. */
    public static boolean isPrintable(String s) {
        return s == null || printable(s, Integer.MAX_VALUE).equals(s);
    }
}
