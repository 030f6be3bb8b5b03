package org.alexnet4j.backend.cuda;

import static org.bytedeco.cuda.global.cudnn.*;

import org.alexnet4j.tensor.Shape;
import org.bytedeco.cuda.cudnn.cudnnTensorStruct;

/** cuDNN tensor descriptors: dense NCHW float32 tensors of any rank, or 4-D ones of a given layout and type. */
final class CudaDescriptors {
    private CudaDescriptors() {}

    /** A new, unset tensor descriptor. */
    static cudnnTensorStruct create() {
        cudnnTensorStruct descriptor = new cudnnTensorStruct();
        CudaStatus.cudnn(cudnnCreateTensorDescriptor(descriptor), "cudnnCreateTensorDescriptor");
        return descriptor;
    }

    /** A new descriptor set to {@code shape}. */
    static cudnnTensorStruct create(Shape shape) {
        cudnnTensorStruct descriptor = create();
        set(descriptor, shape);
        return descriptor;
    }

    /** Describes {@code shape} as 4-D NCHW: rank 4 as is; (N, C, rest...) as (N, C, product of rest, 1); (C) as (1, C, 1, 1). */
    static void set(cudnnTensorStruct descriptor, Shape shape) {
        int[] d = shape.dims();
        switch (d.length) {
            case 1 -> set(descriptor, 1, d[0], 1, 1);
            case 4 -> set(descriptor, d[0], d[1], d[2], d[3]);
            default -> set(descriptor, d[0], d[1], Math.toIntExact(shape.size() / ((long) d[0] * d[1])), 1);
        }
    }

    /** A 4-D (N, C, H, W) shape with the given layout (CUDNN_TENSOR_NCHW or _NHWC) and data type. */
    static void set(cudnnTensorStruct descriptor, int layout, int dataType, Shape shape) {
        int[] d = shape.requireRank(4, "cuDNN tensor").dims();
        CudaStatus.cudnn(cudnnSetTensor4dDescriptor(descriptor, layout, dataType, d[0], d[1], d[2], d[3]), "cudnnSetTensor4dDescriptor");
    }

    static void set(cudnnTensorStruct descriptor, int n, int c, int h, int w) {
        CudaStatus.cudnn(cudnnSetTensor4dDescriptor(descriptor, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, n, c, h, w), "cudnnSetTensor4dDescriptor");
    }
}
