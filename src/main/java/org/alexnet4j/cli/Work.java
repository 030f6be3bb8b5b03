// Counts the arithmetic of a network, for GFLOP/s figures.
package org.alexnet4j.cli;

import org.alexnet4j.nn.Architecture;
import org.alexnet4j.nn.Conv2d;
import org.alexnet4j.nn.Layer;
import org.alexnet4j.nn.Linear;
import org.alexnet4j.tensor.Shape;

/**
 * Multiply-accumulates of one image's forward pass in the convolutions and fully connected layers (the
 * rest is negligible): a conv does (C/groups)*R*S per output element, a linear layer in*out. One MAC = 2
 * FLOP. A training step counts as 3 forwards (forward, backward-data, backward-filter each cost about one).
 */
final class Work {
    static final int TRAINING_PASSES = 3;

    private Work() {}

    static long forwardMacs(Architecture architecture) {
        long macs = 0;
        for (int i = 0; i < architecture.layers().size(); i++) {
            Layer layer = architecture.layers().get(i);
            Shape out = architecture.outputShape(i, 1);
            if (layer instanceof Conv2d conv) {
                Shape w = conv.weightShape();
                macs += out.size() * (w.size() / w.dim(0));
            } else if (layer instanceof Linear) {
                macs += architecture.parameters().entry(layer.name() + ".weight").size();
            }
        }
        return macs;
    }
}
