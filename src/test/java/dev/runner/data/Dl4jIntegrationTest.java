package dev.runner.data;

import dev.runner.spec.DataSpec;
import dev.runner.spec.TransformSpec;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The iterators plug into DL4J's own fit/evaluate loops. */
class Dl4jIntegrationTest {
    @Test
    void fitAndEvaluateConsumeTheIterators() {
        ImageSet s = BatchesTest.set(40);
        DataSpec spec = new DataSpec(new DataSpec.Cifar10(null, null), 8, 16, true,
                List.of(new TransformSpec.Pad(2, "zero"), new TransformSpec.RandomCrop(8),
                        new TransformSpec.HorizontalFlip(0.5)), BatchesTest.NORM);
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).updater(new Sgd(0.01)).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(2).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(4)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(8, 8, 3))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        EpochIterator train = Batches.train(s, spec, 1, 0, "NCHW");
        net.fit(train);
        assertThat(train.hasNext()).isFalse();
        assertThat(net.getIterationCount()).isEqualTo(5);
        Evaluation eval = net.evaluate(Batches.eval(s, spec, 16, "NCHW"));
        assertThat((int) eval.getNumRowCounter()).isEqualTo(40);
    }
}
