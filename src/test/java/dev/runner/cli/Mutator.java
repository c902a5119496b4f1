package dev.runner.cli;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Text mutations for the fuzzing harness: spans deleted, duplicated, truncated; hostile tokens inserted. */
final class Mutator {
    private Mutator() {
    }

    /** Tokens a hostile or unlucky user puts in a file: escapes, paths out, absurd numbers, YAML/JSON syntax. */
    static final List<String> TOKENS = List.of("\u001b[31m", "\u001b]0;owned\u0007", "../../../../etc/passwd",
            "/etc/passwd", "1e400", "-1e400", "1.2e29", "-1", "0", "99999", "2147483648", "9223372036854775808",
            "NaN", "-Infinity", ".inf", "null", "~", "[", "]", "{", "}", ":", "- ", "&a ", "*a ", "<<: *a",
            "!!python/object/apply:os.system ['id']", "!!java.net.URL [http://127.0.0.1:1/]", "!!binary AAAA",
            "\t", "\u0000", "\r\n", "'", "\"", "# ", ",", "extends: /etc/passwd\n", "extends: origin.yaml\n",
            "{dense: 16777216}", "{conv: {filters: 65536, kernel: 3}}", "batch_size: 1000000", "epochs: 100000",
            "\uFEFF", "\u202E", "\uD800", "é", "x".repeat(3000), "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
            "{\"a\": {\"a\": {\"a\": {\"a\": 1}}}}", "\"status\": \"completed\"", "\"epochs\": []",
            "\"trials\": [{}]", "\"name\": \"../x\"", "true", "false");

    private static final Pattern NUMBER = Pattern.compile("-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?");

    /** {@code text} with one to three mutations. */
    static String mutate(String text, FuzzInput in) {
        String s = text;
        int n = 1 + in.below(3);
        for (int i = 0; i < n; i++) {
            s = once(s, in);
        }
        return s;
    }

    private static String once(String s, FuzzInput in) {
        int len = s.length();
        int a = len == 0 ? 0 : in.below(len + 1);
        int b = len == 0 ? 0 : Math.min(len, a + in.below(Math.min(64, len) + 1));
        switch (in.below(8)) {
            case 0:
                return s.substring(0, a) + s.substring(b);
            case 1:
                return s.substring(0, b) + s.substring(a, b) + s.substring(b);
            case 2:
                return s.substring(0, a) + in.pick(TOKENS) + s.substring(a);
            case 3: {
                Matcher m = NUMBER.matcher(s);
                int count = 0;
                while (m.find()) {
                    count++;
                }
                if (count == 0) {
                    return s + in.pick(TOKENS);
                }
                int k = in.below(count);
                m.reset();
                for (int i = 0; i <= k; i++) {
                    m.find();
                }
                String[] numbers = {"0", "-1", "1e400", "99999", "2147483648", "1.2e29", "-0.0", "NaN", "3.5",
                    "16777216", "1e-400"};
                return s.substring(0, m.start()) + in.pick(List.of(numbers)) + s.substring(m.end());
            }
            case 4:
                return s.substring(0, a);
            case 5:
                return len == 0 ? s : s.substring(0, Math.min(a, len - 1)) + (char) in.below(0x80)
                        + s.substring(Math.min(a, len - 1) + 1);
            case 6: {
                String[] lines = s.split("\n", -1);
                if (lines.length < 2) {
                    return s;
                }
                int x = in.below(lines.length);
                int y = in.below(lines.length);
                String t = lines[x];
                lines[x] = lines[y];
                lines[y] = t;
                return String.join("\n", lines);
            }
            default: {
                String[] lines = s.split("\n", -1);
                int x = in.below(lines.length);
                lines[x] = in.chance(2) ? "  " + lines[x] : lines[x].stripLeading();
                return String.join("\n", lines);
            }
        }
    }
}
