package org.alexnet4j.backend;

import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.ShapeException;
import org.alexnet4j.tensor.Tensor;

/**
 * The sizes of one softmax op, checked the same way for every backend: (rows, classes) tensors of one shape
 * and, for the cross-entropy ops, one label per row in [0, classes).
 */
public record SoftmaxShape(int rows, int classes) {

    /** The contract of softmaxForward. */
    public static SoftmaxShape checkForward(Tensor probs, Tensor logits) { return rows("softmaxForward", probs, "probs", logits, "logits"); }

    /** The contract of softmaxCrossEntropyForward. */
    public static SoftmaxShape checkCrossEntropyForward(Tensor probs, Tensor logits, int[] labels) {
        return labelled("softmaxCrossEntropyForward", rows("softmaxCrossEntropyForward", probs, "probs", logits, "logits"), labels);
    }

    /** The contract of softmaxCrossEntropyBackward. */
    public static SoftmaxShape checkCrossEntropyBackward(Tensor dlogits, Tensor probs, int[] labels) {
        return labelled("softmaxCrossEntropyBackward", rows("softmaxCrossEntropyBackward", dlogits, "dlogits", probs, "probs"), labels);
    }

    /** in is (rows, classes) and out has its shape. */
    private static SoftmaxShape rows(String op, Tensor out, String outRole, Tensor in, String inRole) {
        Shape s = Operands.shape(in, op + " " + inRole).requireRank(2, op + " " + inRole + " (N, classes)");
        Operands.require(out, s, op + " " + outRole);
        return new SoftmaxShape(s.dim(0), s.dim(1));
    }

    /** One label per row, each a class index. */
    private static SoftmaxShape labelled(String op, SoftmaxShape shape, int[] labels) {
        if (labels == null) throw new NullPointerException(op + " labels is null");
        if (labels.length != shape.rows) {
            throw new ShapeException(op + " labels: expected " + shape.rows + " labels for " + shape.rows + " rows, got " + labels.length);
        }
        for (int n = 0; n < labels.length; n++) {
            if (labels[n] < 0 || labels[n] >= shape.classes) {
                throw new IllegalArgumentException(op + " labels[" + n + "] = " + labels[n] + " is outside [0, " + shape.classes + ") for "
                        + shape.classes + " classes");
            }
        }
        return shape;
    }
}
