package org.alexnet4j.bench.peers;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Map;

/**
 * ONNX Runtime's CPU execution provider on the exported single-tower model: {@code threads} intra-op threads,
 * one inter-op thread, sequential execution, every graph optimization; the batch stays in one input tensor.
 */
final class OnnxRuntimeEngine implements Peers.Engine {
    private final OrtEnvironment environment = OrtEnvironment.getEnvironment();
    private final OrtSession session;
    private final OnnxTensor input;

    OnnxRuntimeEngine(Path model, int batch, int threads) throws OrtException {
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            session = environment.createSession(model.toString(), options);
        }
        input = tensor(Peers.images(batch, 3), batch);
    }

    private OnnxTensor tensor(float[] images, int batch) throws OrtException {
        return OnnxTensor.createTensor(environment, FloatBuffer.wrap(images), new long[] {batch, 3, 227, 227});
    }

    @Override public float step() {
        try (OrtSession.Result result = session.run(Map.of("input", input))) {
            return ((float[][]) result.get(0).getValue())[0][0];
        } catch (OrtException e) {
            throw new IllegalStateException("onnxruntime: " + e.getMessage(), e);
        }
    }

    @Override public float[] logits(float[] images, int batch) {
        try (OnnxTensor x = tensor(images, batch); OrtSession.Result result = session.run(Map.of("input", x))) {
            float[][] rows = (float[][]) result.get(0).getValue();
            float[] flat = new float[batch * rows[0].length];
            for (int i = 0; i < batch; i++) System.arraycopy(rows[i], 0, flat, i * rows[i].length, rows[i].length);
            return flat;
        } catch (OrtException e) {
            throw new IllegalStateException("onnxruntime: " + e.getMessage(), e);
        }
    }

    @Override public void close() {
        try {
            input.close();
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException("onnxruntime: " + e.getMessage(), e);
        }
    }
}
