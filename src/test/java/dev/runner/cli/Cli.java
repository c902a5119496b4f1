package dev.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/** Test helpers: tiny generated image folders and experiment files, and {@link Main#execute} with captured output. */
final class Cli {
    private Cli() {
    }

    static final ObjectMapper JSON = new ObjectMapper();

    /** What one command printed and returned. */
    record Out(int code, String out, String err) {
        List<String> errLines() {
            return err.lines().toList();
        }

        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
        }
    }

    /** {@code runner ARGS} in this JVM, stdout and stderr captured. */
    static Out run(String... args) {
        return run(Invocation.of(args));
    }

    /** {@code runner ARGS} as {@code invocation} says, in this JVM, stdout and stderr captured. */
    static synchronized Out run(Invocation invocation) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            System.setOut(o);
            System.setErr(e);
            code = Main.execute(invocation);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        return new Out(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static final List<String> CLASSES = List.of("blue", "green", "red");

    /**
     * {@code dir/train/<class>/*.png} and {@code dir/test/<class>/*.png}: 8x8 RGB images whose dominant channel is
     * the class (red, green or blue) plus deterministic noise, so a tiny network learns them in a few iterations.
     */
    static Path imageFolder(Path dir, int trainPerClass, int testPerClass) throws IOException {
        Random rnd = new Random(1234);
        for (String split : List.of("train", "test")) {
            int n = split.equals("train") ? trainPerClass : testPerClass;
            for (int c = 0; c < CLASSES.size(); c++) {
                Path cd = Files.createDirectories(dir.resolve(split).resolve(CLASSES.get(c)));
                for (int i = 0; i < n; i++) {
                    BufferedImage img = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
                    for (int y = 0; y < 8; y++) {
                        for (int x = 0; x < 8; x++) {
                            int[] ch = new int[3];
                            for (int k = 0; k < 3; k++) {
                                ch[k] = 40 + rnd.nextInt(80);
                            }
                            // blue -> channel 2, green -> 1, red -> 0
                            ch[2 - c] = 140 + rnd.nextInt(110);
                            img.setRGB(x, y, (ch[0] << 16) | (ch[1] << 8) | ch[2]);
                        }
                    }
                    ImageIO.write(img, "png", cd.resolve(String.format("%03d.png", i)).toFile());
                }
            }
        }
        return dir;
    }

    /** The tiny experiment: conv 4 k3, relu, maxpool, flatten, dense 3 on 8x8 images; {@code extra} is appended. */
    static String tinyYaml(String name, Path images, int epochs, String extra) {
        return "name: " + name + "\n"
                + "seed: 7\n"
                + "epochs: " + epochs + "\n"
                + "data:\n"
                + "  dataset: {imagefolder: {path: '" + images.toAbsolutePath() + "'}}\n"
                + "  batch_size: 6\n"
                + "  test_batch_size: 16\n"
                + "model:\n"
                + "  input: [3, 8, 8]\n"
                + "  layers: [{conv: {filters: 4, kernel: 3}}, relu, {maxpool: 2}, flatten, {dense: 3}]\n"
                + "optimizer: {sgd: {lr: 0.05, momentum: 0.9}}\n"
                + extra;
    }

    static Path write(Path file, String text) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, text);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The run folders of experiment {@code name} under {@code results}, oldest first. */
    static List<Path> runs(Path results, String name) {
        Path dir = results.resolve(name);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isDirectory).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The one run folder of {@code name} (asserts there is exactly one). */
    static Path onlyRun(Path results, String name) {
        List<Path> r = runs(results, name);
        assertThat(r).as("run folders of %s", name).hasSize(1);
        return r.get(0);
    }

    static JsonNode json(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Decodes {@code png} and checks it is a real picture: many colours and a fair share of non-white pixels. */
    static BufferedImage assertPicture(Path png) throws IOException {
        BufferedImage img = dev.runner.results.PngAssert.assertPicture(png, 10, 1.0 / 100);
        assertThat(img.getWidth()).isGreaterThan(50);
        assertThat(img.getHeight()).isGreaterThan(50);
        return img;
    }

    /** No Java stack trace in {@code err}. */
    static void assertNoStackTrace(String err) {
        assertThat(err).doesNotContainPattern("(?m)^\\s+at [\\w.$]+\\(").doesNotContain("Caused by")
                .doesNotContainPattern("(?m)^[\\w.$]+(Exception|Error)(: |$)");
    }
}
