package dev.runner.spec;

import dev.runner.spec.lang.SpecException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sweep section and --grid: grid and random expansion, trial names, validation of every trial up front. */
class SweepLoaderTest {
    @TempDir
    Path dir;
    Yamls y;

    @BeforeEach
    void setUp() {
        y = new Yamls(dir);
    }

    SweepSpec load(String text, List<String> sets, String... grid) {
        return SweepLoader.load(y.write("t.yaml", text), sets, List.of(grid));
    }

    @Test
    void gridIsEveryCombinationFirstKeySlowest() {
        SweepSpec s = load(Yamls.BASE + """
                sweep:
                  grid:
                    optimizer.sgd.lr: [1e-3, 5e-3]
                    data.batch_size: [4, 8]
                """, List.of("epochs=3"));
        assertThat(s.name()).isEqualTo("t");
        assertThat(s.keys()).containsExactly("optimizer.sgd.lr", "data.batch_size");
        assertThat(s.metric()).isEqualTo(new SweepSpec.Metric("test_accuracy", true));
        assertThat(s.trials()).extracting(SweepSpec.Trial::name).containsExactly(
                "01_lr=1e-3_batch_size=4", "02_lr=1e-3_batch_size=8", "03_lr=5e-3_batch_size=4",
                "04_lr=5e-3_batch_size=8");
        assertThat(s.trials()).extracting(t -> t.experiment().optimizer().lr())
                .containsExactly(1e-3, 1e-3, 5e-3, 5e-3);
        assertThat(s.trials()).extracting(t -> t.experiment().data().batchSize()).containsExactly(4, 8, 4, 8);
        assertThat(s.trials()).allSatisfy(t -> assertThat(t.experiment().epochCount()).isEqualTo(3));
        assertThat(s.trials().get(1).sets()).containsExactly("optimizer.sgd.lr=1e-3", "data.batch_size=8");
        assertThat(s.trials().get(1).values()).isEqualTo(Map.of("optimizer.sgd.lr", 1e-3, "data.batch_size", 8L));
        // the trial's experiment is the file without its sweep section
        assertThat(s.trials().get(0).experiment().resolved()).doesNotContainKey("sweep");
    }

    @Test
    void gridFlagsAddKeysAndListValuesAreNamedByPlace() {
        SweepSpec s = load(Yamls.BASE.replace("[3, 32, 32]", "[3, 32, 32]") + """
                sweep: {grid: {optimizer.sgd.lr: [0.1, 0.2]}, metric: test_loss}
                """, List.of(), "optimizer.sgd.lr=0.3", "data.augment=[],[{pad: 4}, {random_crop: 32}]");
        assertThat(s.keys()).containsExactly("optimizer.sgd.lr", "data.augment");
        assertThat(s.metric()).isEqualTo(new SweepSpec.Metric("test_loss", false));
        assertThat(s.trials()).extracting(SweepSpec.Trial::name)
                .containsExactly("01_lr=0.3_augment=v1", "02_lr=0.3_augment=v2");
        assertThat(s.trials().get(0).experiment().data().augment()).isEmpty();
        assertThat(s.trials().get(1).experiment().data().augment()).hasSize(2);
        assertThat(s.trials().get(1).sets().get(1))
                .isEqualTo("data.augment=[{\"pad\": 4}, {\"random_crop\": 32}]");
    }

    @Test
    void gridWithoutFileSweep() {
        SweepSpec s = load(Yamls.BASE, List.of(), "epochs=1,2,3");
        assertThat(s.trials()).extracting(t -> t.experiment().epochCount()).containsExactly(1, 2, 3);
        assertThat(s.trials()).extracting(SweepSpec.Trial::name)
                .containsExactly("01_epochs=1", "02_epochs=2", "03_epochs=3");
    }

    static final String RANDOM = Yamls.BASE + """
            sweep:
              random:
                trials: 6
                seed: %d
                params:
                  optimizer.sgd.lr: {log_uniform: [1e-4, 1e-1]}
                  optimizer.sgd.momentum: {uniform: [0.5, 0.9]}
                  data.batch_size: {int_uniform: [2, 4]}
                  optimizer.sgd.nesterov: [true, false]
              metric: {max: test_accuracy}
            """;

    @Test
    void randomIsSeededAndInRange() {
        SweepSpec a = load(RANDOM.formatted(1), List.of());
        SweepSpec b = load(RANDOM.formatted(1), List.of());
        SweepSpec c = load(RANDOM.formatted(2), List.of());
        assertThat(a.trials()).hasSize(6);
        assertThat(a.trials()).extracting(SweepSpec.Trial::sets).isEqualTo(
                b.trials().stream().map(SweepSpec.Trial::sets).toList());
        assertThat(a.trials()).extracting(SweepSpec.Trial::sets).isNotEqualTo(
                c.trials().stream().map(SweepSpec.Trial::sets).toList());
        java.util.Set<Integer> batches = new java.util.TreeSet<>();
        for (SweepSpec.Trial t : a.trials()) {
            double lr = t.experiment().optimizer().lr();
            assertThat(lr).isBetween(1e-4, 1e-1);
            // drawn values are kept to 3 significant digits, so that names and --set agree
            assertThat(new java.math.BigDecimal(Double.toString(lr)).stripTrailingZeros().precision())
                    .isLessThanOrEqualTo(3);
            assertThat(t.experiment().optimizer().momentum()).isBetween(0.5, 0.9);
            int batch = t.experiment().data().batchSize();
            assertThat(batch).isBetween(2, 4);
            batches.add(batch);
            assertThat(t.name()).startsWith(String.format("%02d_lr=", t.index()));
            assertThat(t.values().get("optimizer.sgd.lr")).isEqualTo(lr);
        }
        // a log-uniform draw spreads over the decades: not all six in the top one
        assertThat(a.trials().stream().filter(t -> t.experiment().optimizer().lr() < 1e-2).count()).isPositive();
        assertThat(batches.size()).isGreaterThan(1);
    }

    @Test
    void aBadTrialFailsTheSweepNamingTrialAndKey() {
        Path f = dir.resolve("t.yaml");
        assertThatThrownBy(() -> load(Yamls.BASE + """
                sweep:
                  grid:
                    optimizer.sgd.lr: [0.1, -1]
                """, List.of()))
                .isInstanceOf(SpecException.class)
                .hasMessage(f + ":5:5: sweep trial 2 (02_lr=-1): optimizer.sgd.lr: must be > 0, got -1");
        assertThatThrownBy(() -> load(Yamls.BASE, List.of(), "data.batch_size=8,0"))
                .isInstanceOf(SpecException.class)
                .hasMessage("--grid data.batch_size=8,0: sweep trial 2 (02_batch_size=0): data.batch_size: must be"
                        + " between 1 and 1048576, got 0");
    }

    @Test
    void sectionErrors() {
        Path f = dir.resolve("t.yaml");
        assertThatThrownBy(() -> load(Yamls.BASE + "sweep: {grid: {epochs: 3}}\n", List.of()))
                .hasMessageStartingWith(f + ":3:").hasMessageContaining("sweep.grid.epochs: expected a list of values");
        assertThatThrownBy(() -> load(Yamls.BASE + "sweep: {grid: {epochs: [1]}, metric: accuracy}\n", List.of()))
                .hasMessageContaining("sweep.metric: unknown value `accuracy`");
        assertThatThrownBy(() -> load(Yamls.BASE + "sweep: {grid: {epochs: [1]}, random: {trials: 2, params: {}}}\n",
                List.of())).hasMessageContaining("give grid or random, not both");
        assertThatThrownBy(() -> load(Yamls.BASE, List.of()))
                .hasMessageContaining("nothing to sweep");
        assertThatThrownBy(() -> load(Yamls.BASE + "sweep: {grid: {name: [a, b]}}\n", List.of()))
                .hasMessageContaining("name: cannot be swept");
    }

    @Test
    void runIgnoresTheSweepSection() {
        Experiment e = y.load(Yamls.BASE + "sweep: {grid: {epochs: [1, 2]}}\n");
        assertThat(e.epochCount()).isEqualTo(1);
        assertThat(e.resolved()).doesNotContainKey("sweep");
    }

    @Test
    void pruningTpeSeedsAndBudgets() {
        SweepSpec s = load(Yamls.BASE + """
                sweep:
                  random: {trials: 3, params: {optimizer.sgd.lr: {log_uniform: [1e-3, 1e-1]}}}
                  pruning: {hyperband: {min_epochs: 1, max_epochs: 9, reduction_factor: 3}}
                  max_trials: 2
                  max_minutes: 30
                  max_concurrent: 1
                """, List.of());
        assertThat(s.search().pruning()).isEqualTo(new SweepSpec.Pruning("hyperband", 1, 9, 3));
        assertThat(s.search().adaptive()).isTrue();
        assertThat(s.trials()).allSatisfy(t -> assertThat(t.experiment().epochs()).isEqualTo(9));
        assertThat(s.search().maxTrials()).isEqualTo(2);
        assertThat(s.search().maxMinutes()).isEqualTo(30.0);
        assertThat(s.search().maxConcurrent()).isEqualTo(1);

        SweepSpec tpe = load(Yamls.BASE + """
                sweep:
                  tpe: {trials: 20, seed: 4, params: {optimizer.sgd.lr: {log_uniform: [1e-3, 1e-1]},
                        data.batch_size: [4, 8]}}
                """, List.of());
        assertThat(tpe.trials()).isEmpty();
        assertThat(tpe.search().method()).isEqualTo("tpe");
        assertThat(tpe.search().count()).isEqualTo(20);
        SweepSpec.Trial t = SweepLoader.trial(tpe, 12, new double[] {0.0123456, 1});
        assertThat(t.name()).isEqualTo("12_lr=0.0123_batch_size=8");
        assertThat(t.experiment().optimizer().lr()).isEqualTo(0.0123);
        assertThat(t.experiment().data().batchSize()).isEqualTo(8);

        SweepSpec seeds = load(Yamls.BASE + """
                sweep: {grid: {optimizer.sgd.lr: [0.1, 0.2]}, seeds: 2}
                """, List.of());
        assertThat(seeds.trials()).extracting(SweepSpec.Trial::name).containsExactly(
                "01_lr=0.1_seed=42", "02_lr=0.1_seed=43", "03_lr=0.2_seed=42", "04_lr=0.2_seed=43");
        assertThat(seeds.trials().get(1).experiment().seed()).isEqualTo(43);
    }

    @Test
    void pruningAndSeedsErrorsNameTheKey() {
        assertThatThrownBy(() -> load(Yamls.BASE + """
                sweep:
                  random: {trials: 3, params: {optimizer.sgd.lr: [0.1, 0.2]}}
                  pruning: {asha: {min_epochs: 3}}
                """, List.of("epochs=2")))
                .hasMessageContaining("sweep.pruning.asha.min_epochs: min_epochs 3 is more than max_epochs 2 (the"
                        + " experiment's epochs)");
        assertThatThrownBy(() -> load(Yamls.BASE + """
                sweep:
                  random: {trials: 3, params: {optimizer.sgd.lr: [0.1, 0.2]}}
                  pruning: {asha: {}, hyperband: {}}
                """, List.of())).hasMessageContaining("sweep.pruning: give one of asha or hyperband");
        assertThatThrownBy(() -> load(Yamls.BASE + """
                sweep:
                  tpe: {trials: 3, params: {optimizer.sgd.lr: [0.1, 0.2]}}
                  seeds: 3
                """, List.of())).hasMessageContaining("sweep.seeds: seeds: 3 repeats grid and random trials; with"
                + " tpe each seed would be a trial of its own");
        assertThatThrownBy(() -> load(Yamls.BASE + """
                sweep:
                  tpe: {trials: 3, params: {optimizer.sgd.lr: {uniform: [-1, 0.1]}}}
                """, List.of())).hasMessageContaining("sweep trial 1").hasMessageContaining("optimizer.sgd.lr");
    }
}
