package dev.runner.results;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.imageio.ImageIO;

import dev.runner.UserError;
import dev.runner.model.Network;
import dev.runner.spec.TransformSpec;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.factory.Nd4j;

class FeatureMapsFromNetworkTest {
    @TempDir
    Path tmp;

    /** A stand-in network whose "conv1" activation of image i, channel k, pixel (y, x) is k*100 + x*(i+1). */
    record FakeNet(String layout) implements Network {
        @Override
        public void fit(DataSet batch) {
            throw new UnsupportedOperationException();
        }

        @Override
        public dev.runner.model.Placement placement() {
            throw new UnsupportedOperationException();
        }

        @Override
        public double score() {
            throw new UnsupportedOperationException();
        }

        @Override
        public INDArray output(INDArray features) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Map<String, INDArray> activations(List<String> layers, INDArray features) {
            int n = (int) features.size(0);
            INDArray conv = Nd4j.create(org.nd4j.linalg.api.buffer.DataType.FLOAT, n, 3, 4, 5);
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < 3; k++) {
                    for (int y = 0; y < 4; y++) {
                        for (int x = 0; x < 5; x++) {
                            conv.putScalar(new long[]{i, k, y, x}, k * 100 + x * (i + 1));
                        }
                    }
                }
            }
            Map<String, INDArray> out = new LinkedHashMap<>();
            out.put("conv1", conv); // the Network contract: feature maps are [n, c, h, w] in every layout
            out.put("fc1", Nd4j.zeros(n, 10));
            return out;
        }

        @Override
        public List<LayerRow> summary() {
            return List.of();
        }

        @Override
        public long trainableParams() {
            return 0;
        }

        @Override
        public ComputationGraph graph() {
            throw new UnsupportedOperationException();
        }
    }

    @Test
    void drawsOneGridPerLayerInEitherLayoutWithTheInputUnnormalised() throws Exception {
        TransformSpec.Normalize norm = new TransformSpec.Normalize(new double[]{0.5, 0.5, 0.5},
                new double[]{0.5, 0.5, 0.5});
        // two 3x8x8 images; image 0 is (0.8, 0.2, 0.5) everywhere before normalisation
        INDArray nchw = Nd4j.create(org.nd4j.linalg.api.buffer.DataType.FLOAT, 2, 3, 8, 8);
        nchw.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0), org.nd4j.linalg.indexing.NDArrayIndex.point(0))
                .assign((0.8 - 0.5) / 0.5);
        nchw.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0), org.nd4j.linalg.indexing.NDArrayIndex.point(1))
                .assign((0.2 - 0.5) / 0.5);
        BufferedImage[] imgs = new BufferedImage[2];
        String[] layouts = {"NCHW", "NHWC"};
        for (int l = 0; l < 2; l++) {
            INDArray features = layouts[l].equals("NHWC") ? nchw.permute(0, 2, 3, 1).dup() : nchw;
            Path dir = java.nio.file.Files.createDirectories(tmp.resolve(layouts[l]));
            List<Path> written = FeatureMapsFromNetwork.draw(dir, "origin", new FakeNet(layouts[l]),
                    List.of("conv1"), features, new int[]{0, 7}, norm);
            assertThat(written).containsExactly(dir.resolve("feature_maps_conv1.png"));
            imgs[l] = ImageIO.read(written.get(0).toFile());
        }
        assertThat(imgs[1].getWidth()).isEqualTo(imgs[0].getWidth());
        for (int y = 0; y < imgs[0].getHeight(); y++) {
            for (int x = 0; x < imgs[0].getWidth(); x++) {
                assertThat(imgs[1].getRGB(x, y)).isEqualTo(imgs[0].getRGB(x, y));
            }
        }
        FeatureMaps.Sample probe = new FeatureMaps.Sample(0, new float[3 * 64], 3, 8, 8, new float[3][20], 4, 5);
        FeatureMaps.Layout layout = FeatureMaps.layout(List.of(probe, probe), 0);
        Rectangle in = layout.inputs().get(0);
        // title width only widens the image, positions do not depend on it
        assertThat(imgs[0].getRGB(in.x + 3, in.y + 3) & 0xffffff).isEqualTo((204 << 16) | (51 << 8) | 128);
        assertThat(FeatureMapsTest.countCells(imgs[0], layout, 0)).isEqualTo(3);
        assertThat(FeatureMapsTest.countCells(imgs[0], layout, 1)).isEqualTo(3);
        // channel maps rise left to right: leftmost column lowest, rightmost highest
        Rectangle cell = layout.cells().get(1).get(2);
        assertThat(imgs[0].getRGB(cell.x + 1, cell.y + 1) & 0xffffff).isEqualTo(FeatureMaps.viridis(0));
        assertThat(imgs[0].getRGB(cell.x + cell.width - 2, cell.y + 1) & 0xffffff).isEqualTo(FeatureMaps.viridis(1));
    }

    @Test
    void denseLayersAndUnknownLayersAreUserErrors() {
        INDArray f = Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, 1, 3, 8, 8);
        assertThatThrownBy(() -> FeatureMapsFromNetwork.draw(tmp, "origin", new FakeNet("NCHW"), List.of("fc1"), f,
                new int[]{0}, null)).isInstanceOf(UserError.class)
                .hasMessage("visualize.feature_maps: layer 'fc1' has activations of shape [10]; only layers with "
                        + "channel maps (rank 4, like convolution and pooling) can be drawn");
        assertThatThrownBy(() -> FeatureMapsFromNetwork.draw(tmp, "origin", new FakeNet("NCHW"), List.of("conv9"),
                f, new int[]{0}, null)).isInstanceOf(UserError.class)
                .hasMessage("visualize.feature_maps: the network has no layer 'conv9'");
    }
}
