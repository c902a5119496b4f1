package dev.runner.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The report's accuracy lines, as the PyTorch tutorial prints them: used by a run's summary, report and evaluate. */
public final class AccuracyLines {
    private AccuracyLines() {}

    /** The report's final lines: overall test accuracy then one line per class, whole percents rounded down. */
    public static List<String> summaryLines(List<String> classes, long[][] confusion) {
        long total = 0;
        long correct = 0;
        Map<String, Double> perClass = new LinkedHashMap<>();
        for (int c = 0; c < confusion.length; c++) {
            long n = 0;
            for (long v : confusion[c]) {
                n += v;
            }
            total += n;
            correct += confusion[c][c];
            if (c < classes.size()) perClass.put(classes.get(c), n == 0 ? null : fraction(confusion[c][c], n));
        }
        return accuracyLines(Math.toIntExact(total), "test", fraction(correct, total), classes, perClass);
    }

    /**
     * The report's accuracy lines ("Accuracy of the network on the 10000 test images: 61 %", then one line per
     * class), whole percents rounded down; also used by the results stage's report.
     */
    public static List<String> accuracyLines(Integer images, String split, Double overall, List<String> classes,
                                             Map<String, Double> perClass) {
        List<String> out = new ArrayList<>();
        if (overall != null) {
            out.add(String.format(Locale.ROOT, "Accuracy of the network on the %s%s images: %d %%",
                    images == null ? "" : images + " ", split, percent(overall)));
        }
        if (perClass != null) {
            for (String c : classes) {
                Double v = perClass.get(c);     // null for a class without images: no accuracy, not 0 %
                if (v != null || perClass.containsKey(c)) {
                    out.add(v != null ? String.format(Locale.ROOT, "Accuracy of %5s : %2d %%", c, percent(v))
                            : String.format(Locale.ROOT, "Accuracy of %5s : no %s images", c, split));
                }
            }
        }
        return out;
    }

    /** floor(100 * fraction), robust to 0.29 * 100 = 28.999999999999996. */
    public static int percent(double fraction) {
        return (int) Math.floor(fraction * 100 + 1e-9);
    }

    static double fraction(long part, long whole) {
        return whole == 0 ? 0 : (double) part / whole;
    }
}
