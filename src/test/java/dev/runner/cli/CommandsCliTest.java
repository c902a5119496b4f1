package dev.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input gives one line and the documented exit code; {@code check} and {@code bench} on a tiny experiment. */
class CommandsCliTest {
    @TempDir
    static Path tmp;
    static Path images;
    static Path good;

    @BeforeAll
    static void files() throws Exception {
        images = Cli.imageFolder(tmp.resolve("images"), 4, 2);
        good = Cli.write(tmp.resolve("good.yaml"), Cli.tinyYaml("good", images, 1, ""));
    }

    /** Exactly one stderr line, no stack trace. */
    static String oneLine(Cli.Out r) {
        assertThat(r.errLines()).as("%s", r).hasSize(1);
        Cli.assertNoStackTrace(r.err());
        return r.errLines().get(0);
    }

    @Test
    void anUnknownKeyIsOneLineWithFileLineColumnAndASuggestion() {
        // line 11 of the file: "optimizer: {sgd: {lr: 0.05, momentun: 0.9}}"
        Path bad = Cli.write(tmp.resolve("typo.yaml"),
                Cli.tinyYaml("typo", images, 1, "").replace("momentum", "momentun"));
        for (String cmd : new String[] {"run", "check"}) {
            Cli.Out r = cmd.equals("run") ? Cli.run(cmd, bad.toString(), "--results", tmp.resolve("results").toString())
                    : Cli.run(cmd, bad.toString());
            assertThat(r.code()).as("%s", r).isEqualTo(2);
            assertThat(oneLine(r)).startsWith(bad + ":11:29: optimizer.sgd.momentun: ")
                    .contains("did you mean").contains("momentum");
        }
        assertThat(tmp.resolve("results")).doesNotExist();
    }

    @Test
    void airbench94PassesCheckWithPyTorchsParameterCounts() {
        Cli.Out r = Cli.run("check", "experiments/airbench94.yaml");
        assertThat(r.code()).as("%s", r).isZero();
        // bench/airbench_twin.py: sum(p.numel()) = 1,972,792, of which requires_grad False 1,440
        assertThat(r.out()).contains("total trainable parameters (27 layers)    1,972,792")
                .contains("of which frozen (trainable: false)            1,440")
                .contains("9.9 epochs, batch 1024 (drop_last)");
    }

    @Test
    void aBadSetValueNamesTheFlag() {
        Cli.Out r = Cli.run("run", good.toString(), "--set", "epochs=x", "--results", tmp.resolve("r").toString());
        assertThat(r.code()).as("%s", r).isEqualTo(2);
        assertThat(oneLine(r)).contains("--set epochs=x").contains("epochs").contains("number");
        Cli.Out unknown = Cli.run("check", good.toString(), "--set", "epoch=3");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(oneLine(unknown)).contains("--set epoch=3").contains("did you mean");
        assertThat(tmp.resolve("r")).doesNotExist();
    }

    @Test
    void anUnknownFlagIsOneLineAndExitTwo() {
        for (String[] args : new String[][] {{"run", good.toString(), "--frobnicate"}, {good.toString(), "--frob"},
                {"check", good.toString(), "--data-root"}, {"bench", good.toString(), "--steps", "many"},
                {"diff", "a"}}) {
            Cli.Out r = Cli.run(args);
            assertThat(r.code()).as("%s", r).isEqualTo(2);
            assertThat(oneLine(r)).startsWith("runner: ");
        }
    }

    @Test
    void anUnknownCommandIsNamedAsOne() {
        Cli.Out r = Cli.run("frobnicate");
        assertThat(r.code()).as("%s", r).isEqualTo(2);
        assertThat(oneLine(r)).startsWith("runner: unknown command 'frobnicate' (commands: run, check");
        Cli.Out file = Cli.run("frobnicate.yaml");      // a file name: a missing experiment file
        assertThat(file.code()).as("%s", file).isEqualTo(2);
        assertThat(oneLine(file)).contains("frobnicate.yaml").contains("not found");
    }

    @Test
    void noArgumentsPrintsTheUsageAndExitsTwo() {
        Cli.Out r = Cli.run();
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.out() + r.err()).contains("Usage: runner").contains("check").contains("bench");
        Cli.assertNoStackTrace(r.err());
    }

    @Test
    void aMissingImageFolderIsExitOneAndSaysWhereRelativePathsStart() {
        Path f = Cli.write(tmp.resolve("missing.yaml"), Cli.tinyYaml("missing", tmp.resolve("nowhere"), 1, ""));
        Cli.Out r = Cli.run("run", f.toString(), "--data-root", tmp.resolve("no-data").toString(), "--results",
                tmp.resolve("results-missing").toString());
        assertThat(r.code()).as("%s", r).isEqualTo(1);
        // as docs/experiment-files.md says: a relative path is taken from the experiment file's folder
        assertThat(oneLine(r)).startsWith("runner: ").contains(tmp.resolve("nowhere").toString())
                .contains("a relative path is taken from the folder of the experiment file").doesNotContain("--data-root");
        assertThat(tmp.resolve("results-missing")).doesNotExist();
    }

    @Test
    void aMissingCifarDataRootWithoutNetworkIsExitOneAndMentionsDataRoot() throws Exception {
        // no CIFAR-10 in the data root and a download that cannot succeed (a closed loopback port)
        Path f = Cli.write(tmp.resolve("cifar.yaml"), "data: {dataset: {cifar10: {url: 'http://127.0.0.1:1/c.tar.gz',"
                + " md5: 00000000000000000000000000000000}}}\nmodel: {input: [3, 32, 32], layers: [flatten,"
                + " {dense: 10}]}\noptimizer: {sgd: {lr: 0.01}}\n");
        Path root = tmp.resolve("empty-root");
        Cli.Out r = Cli.run("run", f.toString(), "--data-root", root.toString(), "--results",
                tmp.resolve("results-cifar").toString());
        assertThat(r.code()).as("%s", r).isEqualTo(1);
        assertThat(oneLine(r)).startsWith("runner: ").contains("--data-root");

        // a data root that is a file
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        Cli.Out r2 = Cli.run("run", f.toString(), "--data-root", file.toString(), "--results",
                tmp.resolve("results-cifar").toString());
        assertThat(r2.code()).as("%s", r2).isEqualTo(2);
        assertThat(oneLine(r2)).isEqualTo("runner: --data-root " + file + ": not a folder");
        assertThat(tmp.resolve("results-cifar")).doesNotExist();
    }

    @Test
    void aFeatureMapIndexOutsideTheTestSetIsReportedBeforeTraining() {
        Path results = tmp.resolve("results-fm");
        Cli.Out r = Cli.run("run", good.toString(), "--set", "visualize={feature_maps: {layers: [conv1], indices: [6]}}",
                "--results", results.toString(), "--data-root", tmp.toString());
        assertThat(r.code()).as("%s", r).isEqualTo(2);
        assertThat(oneLine(r)).contains("visualize.feature_maps.indices: image 6 is out of range")
                .contains("6 images");
        assertThat(results).doesNotExist();
    }

    @Test
    void checkPrintsTheNetworkAndItsParameterTotal() {
        Cli.Out r = Cli.run("check", good.toString());
        assertThat(r.code()).as("%s", r).isZero();
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).contains("good").contains("1 epochs, batch 6, sgd lr 0.05000")
                .contains("conv1").contains("maxpool1").contains("fc1")
                .containsPattern("total trainable parameters \\(5 layers\\) +223")
                .containsPattern("(?m)^engine: onednn on cpu \\(auto: the oneDNN step on the CPU\\)$");
        Cli.Out forced = Cli.run("check", good.toString(), "--engine", "dl4j");
        assertThat(forced.out()).containsPattern("(?m)^engine: dl4j on cpu \\(engine dl4j asked for\\)$");
        Cli.Out bad = Cli.run("check", good.toString(), "--engine", "tpu");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("engine").contains("auto, onednn, dl4j");
        Cli.Out set = Cli.run("check", good.toString(), "--set", "model.layers[0].conv.filters=8");
        assertThat(set.code()).isZero();
        // conv 8x3x3x3+8 = 224, dense 72*3+3 = 219
        assertThat(set.out()).containsPattern("total trainable parameters \\(5 layers\\) +443");
    }

    @Test
    void checkOnAnInvalidNetworkIsExitTwo() {
        Path bad = Cli.write(tmp.resolve("shape.yaml"), Cli.tinyYaml("shape", images, 1, "")
                .replace("{conv: {filters: 4, kernel: 3}}", "{conv: {filters: 4, kernel: 9}}"));
        Cli.Out r = Cli.run("check", good.toString(), bad.toString());
        assertThat(r.code()).as("%s", r).isEqualTo(2);
        assertThat(oneLine(r)).startsWith(bad + ":");
        Cli.Out missing = Cli.run("check", tmp.resolve("absent.yaml").toString());
        assertThat(missing.code()).as("%s", missing).isEqualTo(2);
        assertThat(oneLine(missing)).contains("absent.yaml");
    }

    @Test
    void benchPrintsOneJsonLine() throws Exception {
        Cli.Out r = Cli.run("bench", good.toString(), "--steps", "2", "--batch", "4", "--data-root", tmp.toString());
        assertThat(r.code()).as("%s", r).isZero();
        assertThat(r.out().lines().toList()).hasSize(1);
        Cli.assertNoStackTrace(r.err());
        JsonNode j = Cli.JSON.readTree(r.out());
        assertThat(j.get("experiment").asText()).isEqualTo("good");
        for (String k : new String[] {"train_images_per_s", "eval_images_per_s", "data_images_per_s"}) {
            assertThat(j.get(k)).as(k).isNotNull();
            assertThat(j.get(k).asDouble()).as(k).isPositive();
        }
        assertThat(j.get("params").asLong()).isEqualTo(223);

        assertThat(j.get("steps").asInt()).isEqualTo(2);
        assertThat(j.get("warmup").asInt()).isEqualTo(10);

        Cli.Out bad = Cli.run("bench", good.toString(), "--steps", "0");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(oneLine(bad)).contains("--steps");
        Cli.Out badWarmup = Cli.run("bench", good.toString(), "--warmup", "-1");
        assertThat(badWarmup.code()).isEqualTo(2);
        assertThat(oneLine(badWarmup)).contains("--warmup");
    }

    @Test
    void resultsAndDataRootProblemsAreFoundBeforeAnyDataIsLoaded() throws Exception {
        // CIFAR-10 from a closed port: had the data been loaded first, the download error would come instead
        Path f = Cli.write(tmp.resolve("early.yaml"), "data: {dataset: {cifar10: {url: 'http://127.0.0.1:1/c.tar.gz',"
                + " md5: 00000000000000000000000000000000}}}\nmodel: {input: [3, 32, 32], layers: [flatten,"
                + " {dense: 10}]}\noptimizer: {sgd: {lr: 0.01}}\n");
        Path aFile = Files.writeString(tmp.resolve("results-file"), "x");
        Cli.Out r = Cli.run("run", f.toString(), "--results", aFile.toString(), "--data-root",
                tmp.resolve("early-root").toString());
        assertThat(r.code()).as("%s", r).isEqualTo(2);
        assertThat(r.errLines()).containsExactly("runner: --results " + aFile + ": not a folder");
        Cli.Out under = Cli.run("run", f.toString(), "--results", aFile.resolve("sub").toString(), "--data-root",
                tmp.resolve("early-root").toString());
        assertThat(under.code()).as("%s", under).isEqualTo(2);
        assertThat(under.errLines()).containsExactly("runner: --results " + aFile.resolve("sub")
                + ": cannot be created (" + aFile + " is not a folder)");
        assertThat(tmp.resolve("early-root")).doesNotExist();
    }
}
