package dev.runner.results;

import dev.runner.UserError;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A sweep run at several seeds ({@code sweep.seeds: K}) by configuration: each configuration's completed trials'
 * metric as mean ± standard deviation with a 95 % confidence interval ({@link SeedStats}), ranked by the mean;
 * and two sweeps' best configurations compared by Welch's t-test, in words. Used by {@code table}, {@code report}
 * and {@code diff}.
 */
public final class SeedTable {
    private SeedTable() {
    }

    /**
     * One configuration: its name (a trial's name without its number and seed), the swept values but the seed, the
     * completed trials' metric values (in trial order) and their statistics, and how many trials it has in all.
     */
    public record Config(String name, Map<String, Object> values, List<Double> metrics, SeedStats.Summary stats,
                         int trials) {}

    /** The configurations of a sweep folder, best mean first (those with no completed trial last). */
    public static List<Config> of(Path sweep) {
        return of(SweepFolder.read(sweep));
    }

    public static List<Config> of(SweepFolder.Index idx) {
        Map<String, List<SweepFolder.Trial>> groups = new LinkedHashMap<>();
        Map<String, Map<String, Object>> values = new LinkedHashMap<>();
        for (SweepFolder.Trial t : idx.trials()) {
            Map<String, Object> v = new LinkedHashMap<>(t.values());
            v.remove("seed");
            String name = configName(t.name());
            groups.computeIfAbsent(name, k -> new ArrayList<>()).add(t);
            values.putIfAbsent(name, v);
        }
        List<Config> out = new ArrayList<>();
        groups.forEach((name, ts) -> {
            List<Double> m = new ArrayList<>();
            for (SweepFolder.Trial t : ts) {
                if ("completed".equals(t.status()) && t.metric() != null && Double.isFinite(t.metric())) {
                    m.add(t.metric());
                }
            }
            out.add(new Config(name, values.get(name), List.copyOf(m), m.isEmpty() ? null : SeedStats.of(m),
                    ts.size()));
        });
        boolean max = idx.maximize();
        out.sort(Comparator.comparing((Config c) -> c.stats() == null ? null : c.stats().mean(),
                Comparator.nullsLast(max ? Comparator.<Double>reverseOrder() : Comparator.<Double>naturalOrder())));
        return out;
    }

    /** {@code 03_lr=0.01_seed=43} to {@code lr=0.01}. */
    public static String configName(String trial) {
        String s = trial.replaceFirst("^\\d+_", "");
        return s.replaceFirst("_seed=\\d+$", "");
    }

    /** The configurations as a text or markdown table: config, n, mean ± sd, 95 % CI, ranked by the mean. */
    public static String render(SweepFolder.Index idx, boolean markdown) {
        List<Config> cs = of(idx);
        boolean acc = idx.metric().endsWith("accuracy");
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("rank", "configuration", "seeds", idx.metric() + " mean ± sd", "95 % CI"));
        int rank = 0;
        for (Config c : cs) {
            rank++;
            String n = c.metrics().size() + (c.metrics().size() < c.trials() ? " of " + c.trials() : "");
            if (c.stats() == null) {
                rows.add(List.of(String.valueOf(rank), c.name(), n, "", ""));
                continue;
            }
            SeedStats.Summary s = c.stats();
            String mean = acc ? String.format(Locale.ROOT, "%.2f ± %s %%", 100 * s.mean(), sd(100 * s.sd()))
                    : String.format(Locale.ROOT, "%.4f ± %s", s.mean(), Double.isNaN(s.sd()) ? "-"
                    : String.format(Locale.ROOT, "%.4f", s.sd()));
            String ci = Double.isNaN(s.ciLow()) ? "" : acc
                    ? String.format(Locale.ROOT, "%.2f to %.2f %%", 100 * s.ciLow(), 100 * s.ciHigh())
                    : String.format(Locale.ROOT, "%.4f to %.4f", s.ciLow(), s.ciHigh());
            rows.add(List.of(String.valueOf(rank), c.name(), n, mean, ci));
        }
        StringBuilder sb = new StringBuilder();
        if (markdown) {
            for (int i = 0; i < rows.size(); i++) {
                sb.append("| ").append(String.join(" | ", rows.get(i).stream().map(x -> x.replace("|", "\\|"))
                        .toList())).append(" |\n");
                if (i == 0) sb.append("|---|---|---|---|---|\n");
            }
            return sb.toString();
        }
        int[] w = new int[5];
        for (List<String> r : rows) {
            for (int i = 0; i < 5; i++) w[i] = Math.max(w[i], r.get(i).length());
        }
        for (int li = 0; li < rows.size(); li++) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < 5; i++) {
                if (i > 0) line.append("  ");
                line.append(rows.get(li).get(i)).append(" ".repeat(w[i] - rows.get(li).get(i).length()));
            }
            sb.append(line.toString().stripTrailing()).append('\n');
            if (li == 0) sb.append("-".repeat(w[0] + w[1] + w[2] + w[3] + w[4] + 8)).append('\n');
        }
        sb.append(String.format(Locale.ROOT, "by configuration over %d seeds, ranked by the mean (%s first); 95 %% CI"
                + " of the mean (Student t)%n", idx.seeds(), idx.maximize() ? "highest" : "lowest"));
        return sb.toString();
    }

    private static String sd(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f", v);
    }

    /**
     * {@code runner diff SWEEP_A SWEEP_B}: the two sweeps' best configurations (by mean) and whether their
     * difference is significant, in words.
     */
    public static String compareBest(Path a, Path b) {
        SweepFolder.Index ia = SweepFolder.read(a);
        SweepFolder.Index ib = SweepFolder.read(b);
        if (!ia.metric().equals(ib.metric())) {
            throw new UserError("the sweeps rank by different metrics (" + ia.metric() + " and " + ib.metric()
                    + "): nothing to compare");
        }
        Config ca = best(ia, a);
        Config cb = best(ib, b);
        boolean acc = ia.metric().endsWith("accuracy");
        double scale = acc ? 100 : 1;
        int dec = acc ? 2 : 4;
        StringBuilder sb = new StringBuilder();
        sb.append("Best configurations by mean ").append(ia.metric()).append(":\n");
        sb.append("  A ").append(a).append(": ").append(ca.name()).append("  ").append(ca.stats().describe(scale, dec))
                .append('\n');
        sb.append("  B ").append(b).append(": ").append(cb.name()).append("  ").append(cb.stats().describe(scale, dec))
                .append('\n');
        sb.append(SeedStats.compare("A", ca.metrics(), "B", cb.metrics(), scale, acc ? "points" : "")
                .replace("  ", " ").replace(" ;", ";")).append(".\n");
        return sb.toString();
    }

    private static Config best(SweepFolder.Index idx, Path folder) {
        List<Config> cs = of(idx);
        if (cs.isEmpty() || cs.get(0).stats() == null) {
            throw new UserError(folder + ": no completed trial to compare");
        }
        return cs.get(0);
    }
}
