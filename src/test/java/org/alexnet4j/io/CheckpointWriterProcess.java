// A separate JVM for CheckpointCrashTest: saves one checkpoint, then keeps saving large ones until killed.
package org.alexnet4j.io;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.alexnet4j.run.CheckpointDirectory;
import org.alexnet4j.tensor.Shape;

/** args: directory, floats per later checkpoint. Prints "saved 1" after the first, complete checkpoint. */
public final class CheckpointWriterProcess {
    public static void main(String[] args) throws Exception {
        CheckpointDirectory directory = new CheckpointDirectory(Path.of(args[0]), 100);
        directory.save(1, Map.of("marker", filled(1000, 1f)), Map.of("step", "1"));
        System.out.println("saved 1");
        System.out.flush();
        int floats = Integer.parseInt(args[1]);
        for (long step = 2; ; step++) directory.save(step, Map.of("marker", filled(floats, step)), Map.of("step", Long.toString(step)));
    }

    static TensorData filled(int floats, float value) {
        float[] data = new float[floats];
        Arrays.fill(data, value);
        return new TensorData(Shape.of(floats), data);
    }
}
