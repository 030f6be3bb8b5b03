// The --weights / --checkpoint option of eval and predict.
package org.alexnet4j.cli;

import java.io.IOException;
import java.nio.file.Path;
import org.alexnet4j.run.ModelFiles;
import picocli.CommandLine.Option;

/** A weights file (from train, or torchvision's AlexNet as safetensors) or a checkpoint. */
final class ModelSource {
    @Option(names = {"--weights", "--checkpoint"}, paramLabel = "FILE", required = true,
            description = "weights.safetensors of a run, a checkpoint, or torchvision AlexNet weights in safetensors form.")
    Path file;

    ModelFiles.Contents read() throws IOException {
        return ModelFiles.read(file);
    }
}
