package dev.runner.results;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Numbers and experiment values as people write them, for table, diff, report, charts and serve: {@code 2e-3}
 * not {@code 2.0E-3}, {@code 0.05}, {@code 128}; maps and lists in YAML's flow style
 * ({@code {conv: {filters: 6, kernel: 5}}}).
 */
public final class HumanText {
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z_][A-Za-z0-9_.\\-/]*");

    private HumanText() {
    }

    /**
     * The shortest text that reads back as {@code d}: plain decimals from 0.01 to 10^7 ({@code 0.05},
     * {@code 1500}), otherwise a mantissa and a power of ten ({@code 2e-3}, {@code 6.31e-4}, {@code 1.5e7});
     * {@code nan}, {@code inf}, {@code -inf}.
     */
    public static String number(double d) {
        if (Double.isNaN(d)) return "nan";
        if (Double.isInfinite(d)) return d > 0 ? "inf" : "-inf";
        if (d == 0) return "0";
        BigDecimal b = new BigDecimal(Double.toString(d)).stripTrailingZeros();
        double a = Math.abs(d);
        if (a >= 1e-2 && a < 1e7) {
            return b.toPlainString();
        }
        String digits = b.unscaledValue().abs().toString();
        int exp = digits.length() - 1 - b.scale();
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        return (d < 0 ? "-" : "") + mantissa + "e" + exp;
    }

    /** An experiment value: numbers by {@link #number}, strings as they are, maps and lists in flow style. */
    public static String value(Object v) {
        return value(v, true);
    }

    private static String value(Object v, boolean top) {
        if (v == null) return "null";
        if (v instanceof Double d) return number(d);
        if (v instanceof Float f) return number(f.doubleValue());
        if (v instanceof Number || v instanceof Boolean) return v.toString();
        if (v instanceof Map<?, ?> m) {
            StringBuilder sb = new StringBuilder("{");
            m.forEach((k, x) -> sb.append(sb.length() > 1 ? ", " : "").append(value(k, false)).append(": ")
                    .append(value(x, false)));
            return sb.append('}').toString();
        }
        if (v instanceof List<?> l) {
            StringBuilder sb = new StringBuilder("[");
            l.forEach(x -> sb.append(sb.length() > 1 ? ", " : "").append(value(x, false)));
            return sb.append(']').toString();
        }
        String s = v.toString();
        // inside a structure, a string that would not read back as itself is quoted
        return top || PLAIN.matcher(s).matches() ? s : "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
