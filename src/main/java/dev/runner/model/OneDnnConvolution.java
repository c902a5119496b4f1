package dev.runner.model;

import java.util.Collection;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's 2-D convolution whose layer ({@link OneDnnConvolutionLayer}) does not waste work around the oneDNN
 * helper: see that class. The configuration is the stock one, so a network saved with it loads with the same
 * parameters and computes the same results; only the layer implementation differs. A bean for Jackson (the
 * no-arg constructor), like every DL4J layer configuration.
 */
public class OneDnnConvolution extends ConvolutionLayer {
    public OneDnnConvolution() {
        super();
    }

    /** The convolution {@code b} describes, after the stock builder's own checks. */
    static OneDnnConvolution of(ConvolutionLayer.Builder b) {
        b.build();
        return new OneDnnConvolution(b);
    }

    private OneDnnConvolution(ConvolutionLayer.Builder b) {
        super(b);
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> trainingListeners,
                             int layerIndex, INDArray layerParamsView, boolean initializeParams,
                             DataType networkDataType) {
        LayerValidation.assertNInNOutSet("ConvolutionLayer", getLayerName(), layerIndex, getNIn(), getNOut());
        return CustomLayers.wire(new OneDnnConvolutionLayer(conf, networkDataType), conf, trainingListeners,
                layerIndex, layerParamsView, initializeParams, initializer());
    }

    @Override
    public OneDnnConvolution clone() {
        return (OneDnnConvolution) super.clone();
    }
}
