package dev.runner.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import dev.runner.spec.lang.SpecException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The data sets by name, image folder channels and the torchvision augmentations as the loader reads them. */
class DataSectionTest {
    @TempDir
    Path tmp;

    Experiment load(String data, String input) throws IOException {
        Path f = Files.writeString(tmp.resolve("e.yaml"), "data:\n" + data + "model:\n  input: " + input
                + "\n  layers: [flatten, {dense: 10}]\noptimizer: sgd\n");
        return ExperimentLoader.load(f);
    }

    SpecException error(String data, String input) {
        try {
            load(data, input);
        } catch (SpecException e) {
            return e;
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
        throw new AssertionError("no error for " + data);
    }

    @Test
    void dataSetsByNameWithTheirShapes() throws IOException {
        assertThat(load("  dataset: mnist\n", "[1, 28, 28]").data().dataset())
                .isEqualTo(new DataSpec.Mnist(DataSpec.Mnist.DEFAULT_URL));
        assertThat(load("  dataset: fashion_mnist\n", "[1, 28, 28]").data().dataset())
                .isEqualTo(new DataSpec.FashionMnist(DataSpec.FashionMnist.DEFAULT_URL));
        Experiment e = load("  dataset: {cifar100: {labels: coarse}}\n", "[3, 32, 32]");
        assertThat(e.data().dataset()).isEqualTo(new DataSpec.Cifar100(DataSpec.Cifar100.DEFAULT_URL,
                DataSpec.Cifar100.DEFAULT_MD5, "coarse"));
        assertThat(e.resolved().get("data").toString()).contains("cifar100={labels=coarse, url=", "md5=03b5dce0");
        assertThat(((DataSpec.Cifar100) load("  dataset: cifar100\n", "[3, 32, 32]").data().dataset()).labels())
                .isEqualTo("fine");
        SpecException x = error("  dataset: mnist\n", "[3, 28, 28]");
        assertThat(x.getMessage()).contains("model.input").contains("the data gives [1, 28, 28] images, but the"
                + " model takes [3, 28, 28]");
        assertThat(error("  dataset: {cifar100: {labels: medium}}\n", "[3, 32, 32]").getMessage())
                .contains("labels");
    }

    @Test
    void imageFolderChannels() throws IOException {
        DataSpec.ImageFolder f = (DataSpec.ImageFolder) load("  dataset: {imagefolder: {path: x, channels: 1,"
                + " resize: 48}}\n", "[1, 48, 48]").data().dataset();
        assertThat(f.channels()).isEqualTo(1);
        assertThat(f.imageShape()).containsExactly(1, 48, 48);
        assertThat(((DataSpec.ImageFolder) load("  dataset: {imagefolder: x}\n", "[3, 8, 8]").data().dataset())
                .imageShape()).containsExactly(3, 0, 0);
        // RGB data (the default) against a one-channel model: both shapes named
        assertThat(error("  dataset: {imagefolder: {path: x, resize: 48}}\n", "[1, 48, 48]").getMessage())
                .contains("the data gives [3, 48, 48] images, but the model takes [1, 48, 48]");
        assertThat(error("  dataset: {imagefolder: {path: x, channels: 2}}\n", "[2, 8, 8]").getMessage())
                .contains("must be 1 (grey) or 3 (RGB), got 2");
    }

    @Test
    void augmentationsExpandTheirRangesAsTorchvision() throws IOException {
        Experiment e = load("  augment:\n"
                + "    - color_jitter: {brightness: 0.4, contrast: [0.5, 2], hue: 0.1}\n"
                + "    - random_resized_crop: 24\n"
                + "    - random_rotation: 15\n"
                + "    - random_affine: {degrees: [-5, 20], translate: [0.1, 0.2], scale: [0.9, 1.1], shear: 4}\n"
                + "    - random_affine: {degrees: 0, shear: [1, 2, 3, 4], interpolation: bilinear, fill: [10, 20, 30]}\n"
                + "    - random_erasing: {value: random}\n"
                + "    - random_erasing\n", "[3, 24, 24]");
        List<TransformSpec> a = e.data().augment();
        TransformSpec.ColorJitter cj = (TransformSpec.ColorJitter) a.get(0);
        assertThat(cj.brightness()).containsExactly(0.6, 1.4);
        assertThat(cj.contrast()).containsExactly(0.5, 2.0);
        assertThat(cj.saturation()).isNull();   // 0: off
        assertThat(cj.hue()).containsExactly(-0.1, 0.1);
        TransformSpec.RandomResizedCrop rrc = (TransformSpec.RandomResizedCrop) a.get(1);
        assertThat(rrc.height()).isEqualTo(24);
        assertThat(rrc.width()).isEqualTo(24);
        assertThat(rrc.scale()).containsExactly(0.08, 1.0);
        assertThat(rrc.ratio()).containsExactly(0.75, 4.0 / 3);
        assertThat(rrc.interpolation()).isEqualTo("bilinear");
        TransformSpec.RandomAffine rot = (TransformSpec.RandomAffine) a.get(2);
        assertThat(rot.rotation()).isTrue();
        assertThat(rot.degrees()).containsExactly(-15.0, 15.0);
        assertThat(rot.interpolation()).isEqualTo("nearest");
        assertThat(rot.fill()).containsExactly(0.0);
        TransformSpec.RandomAffine aff = (TransformSpec.RandomAffine) a.get(3);
        assertThat(aff.rotation()).isFalse();
        assertThat(aff.degrees()).containsExactly(-5.0, 20.0);
        assertThat(aff.translate()).containsExactly(0.1, 0.2);
        assertThat(aff.scale()).containsExactly(0.9, 1.1);
        assertThat(aff.shear()).containsExactly(-4.0, 4.0);
        TransformSpec.RandomAffine aff2 = (TransformSpec.RandomAffine) a.get(4);
        assertThat(aff2.shear()).containsExactly(1.0, 2.0, 3.0, 4.0);
        assertThat(aff2.translate()).isNull();
        assertThat(aff2.fill()).containsExactly(10.0, 20.0, 30.0);
        TransformSpec.RandomErasing er = (TransformSpec.RandomErasing) a.get(5);
        assertThat(er.value()).isNull();
        assertThat(er.p()).isEqualTo(0.5);
        assertThat(er.scale()).containsExactly(0.02, 0.33);
        assertThat(er.ratio()).containsExactly(0.3, 3.3);
        assertThat(((TransformSpec.RandomErasing) a.get(6)).value()).containsExactly(0.0);
        // the resolved experiment records what was written, defaults filled in
        assertThat(e.resolved().get("data").toString()).contains("random_rotation={degrees=15.0, interpolation=nearest,"
                + " fill=0.0}");
    }

    @Test
    void augmentationMistakesAreReportedAtTheirLine() {
        assertThat(error("  augment: [random_erasing, horizontal_flip]\n", "[3, 32, 32]").getMessage())
                .contains("data.augment[1]").contains("put it after every other transform");
        assertThat(error("  augment: [{random_resized_crop: 28}]\n", "[3, 32, 32]").getMessage())
                .contains("the data gives [3, 28, 28] images after augment, but the model takes [3, 32, 32]");
        assertThat(error("  augment: [{color_jitter: {hue: 0.7}}]\n", "[3, 32, 32]").getMessage())
                .contains("data.augment[0].color_jitter.hue");
        assertThat(error("  augment: [{color_jitter: {brightness: [2, 1]}}]\n", "[3, 32, 32]").getMessage())
                .contains("needs min <= max, got [2, 1]");
        assertThat(error("  augment: [{random_affine: {degrees: 0, shear: [1, 2, 3]}}]\n", "[3, 32, 32]")
                .getMessage()).contains("expected 1, 2 or 4 numbers, got 3");
        assertThat(error("  augment: [{random_rotation: {degrees: 5, fill: [1, 2]}}]\n", "[3, 32, 32]").getMessage())
                .contains("needs 1 or 3 values (one per channel), got 2");
        assertThat(error("  augment: [{random_erasing: {value: noise}}]\n", "[3, 32, 32]").getMessage())
                .contains("data.augment[0].random_erasing.value");
        assertThat(error("  augment: [rotate]\n", "[3, 32, 32]").getMessage()).contains("random_rotation");
    }
}
