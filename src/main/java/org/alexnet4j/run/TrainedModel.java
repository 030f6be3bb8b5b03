// What a weights file or a checkpoint says about its model besides the tensors.
package org.alexnet4j.run;

import java.util.List;
import org.alexnet4j.model.AlexNet;

/** The model configuration, the class names in label order, and the preprocessing its inputs need. */
public record TrainedModel(AlexNet.Config config, List<String> classNames, Preprocessing preprocessing) {
    public TrainedModel {
        if (classNames.size() != config.classes()) {
            throw new IllegalArgumentException(classNames.size() + " class names for a model of " + config.classes() + " classes");
        }
        if (preprocessing.inputSize() != config.inputSize()) {
            throw new IllegalArgumentException("preprocessing makes inputs of " + preprocessing.inputSize() + " but the model takes " + config.inputSize());
        }
        classNames = List.copyOf(classNames);
    }
}
