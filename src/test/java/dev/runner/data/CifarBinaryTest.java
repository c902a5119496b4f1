package dev.runner.data;

import dev.runner.UserError;
import dev.runner.spec.DataSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CifarBinaryTest {
    static final int RECORDS = 7;

    @TempDir
    Path tmp;

    @Test
    void readsValuesAndOrderExactly() throws IOException {
        Path dir = TestData.writeCifar(tmp.resolve(CifarBinary.CIFAR10.folder()), RECORDS);
        LoadedData d = CifarBinary.read(CifarBinary.CIFAR10.withRecords(RECORDS), dir);
        assertThat(d.classes()).containsExactlyElementsOf(TestData.CLASSES);
        assertThat(d.train().size()).isEqualTo(5 * RECORDS);
        assertThat(d.test().size()).isEqualTo(RECORDS);
        assertThat(d.train().classes()).isEqualTo(d.classes());
        for (int f = 0; f < 5; f++) {
            for (int r = 0; r < RECORDS; r++) {
                int i = f * RECORDS + r;
                assertThat(d.train().label(i)).isEqualTo(TestData.label(f, r));
                for (int p : new int[] {0, 1, 31, 32, 1023, 1024, 2047, 2048, 3071}) {
                    int c = p / 1024;
                    int y = p % 1024 / 32;
                    int x = p % 32;
                    assertThat(d.train().pixel(i, c, y, x)).isEqualTo(TestData.value(f, r, p) & 0xFF);
                }
            }
        }
        byte[] all = d.test().pixels();
        for (int r = 0; r < RECORDS; r++) {
            assertThat(d.test().label(r)).isEqualTo(TestData.label(5, r));
            for (int p = 0; p < 3072; p++) {
                assertThat(all[r * 3072 + p]).isEqualTo(TestData.value(5, r, p));
            }
        }
        assertThat(d.files()).extracting(p -> p.getFileName().toString()).containsExactly("data_batch_1.bin",
                "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin",
                "batches.meta.txt");
    }

    @Test
    void datasetsLoadReadsAnExistingFolderWithoutNetwork() throws IOException {
        TestData.writeCifar(tmp.resolve(CifarBinary.CIFAR10.folder()), RECORDS);
        List<String> log = new ArrayList<>();
        // the URL points nowhere: an existing folder must not trigger a download
        DataSpec spec = new DataSpec(new DataSpec.Cifar10("http://127.0.0.1:9/none.tar.gz", "00"), 4, 4, true,
                List.of(), null);
        LoadedData d = Datasets.load(spec, tmp, log::add, RECORDS);
        assertThat(d.train().size()).isEqualTo(5 * RECORDS);
        assertThat(log).anyMatch(s -> s.contains("35 train / 7 test"));
    }

    @Test
    void truncatedFileIsReported() throws IOException {
        Path dir = TestData.writeCifar(tmp.resolve(CifarBinary.CIFAR10.folder()), RECORDS);
        Path f = dir.resolve("data_batch_3.bin");
        byte[] b = Files.readAllBytes(f);
        Files.write(f, java.util.Arrays.copyOf(b, b.length - 100));
        assertThatThrownBy(() -> CifarBinary.read(CifarBinary.CIFAR10.withRecords(RECORDS), dir)).isInstanceOf(UserError.class)
                .hasMessageContaining("data_batch_3.bin is truncated").hasMessageContaining("--data-root")
                .hasMessageNotContaining("\n");
    }

    @Test
    void wrongRecordCountIsReported() throws IOException {
        Path dir = TestData.writeCifar(tmp.resolve(CifarBinary.CIFAR10.folder()), 3);
        assertThatThrownBy(() -> CifarBinary.read(CifarBinary.CIFAR10.withRecords(10_000), dir)).isInstanceOf(UserError.class)
                .hasMessageContaining("holds 3 records, expected 10000");
    }

    @Test
    void labelOutOfRangeIsReported() throws IOException {
        Path dir = TestData.writeCifar(tmp.resolve(CifarBinary.CIFAR10.folder()), RECORDS);
        Path f = dir.resolve("test_batch.bin");
        byte[] b = Files.readAllBytes(f);
        b[4 * CifarBinary.CIFAR10.recordBytes()] = 12;
        Files.write(f, b);
        assertThatThrownBy(() -> CifarBinary.read(CifarBinary.CIFAR10.withRecords(RECORDS), dir)).isInstanceOf(UserError.class)
                .hasMessageContaining("test_batch.bin: record 4 has label 12");
    }

    @Test
    void missingFilesAreListed() throws IOException {
        Path dir = TestData.writeCifar(tmp.resolve(CifarBinary.CIFAR10.folder()), RECORDS);
        Files.delete(dir.resolve("data_batch_2.bin"));
        Files.delete(dir.resolve("batches.meta.txt"));
        assertThatThrownBy(() -> CifarBinary.read(CifarBinary.CIFAR10.withRecords(RECORDS), dir)).isInstanceOf(UserError.class)
                .hasMessageContaining("missing data_batch_2.bin, batches.meta.txt")
                .hasMessageContaining("--data-root");
    }

    @Test
    void metaWithWrongClassCountIsReported() throws IOException {
        Path dir = TestData.writeCifar(tmp.resolve(CifarBinary.CIFAR10.folder()), RECORDS);
        Files.writeString(dir.resolve("batches.meta.txt"), "a\nb\nc\n");
        assertThatThrownBy(() -> CifarBinary.read(CifarBinary.CIFAR10.withRecords(RECORDS), dir)).isInstanceOf(UserError.class)
                .hasMessageContaining("lists 3 class names, expected 10");
    }
}
