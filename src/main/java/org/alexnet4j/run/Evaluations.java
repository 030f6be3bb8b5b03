// Evaluates a trained model on a labelled dataset, centre crop or the paper's ten crops.
package org.alexnet4j.run;

import java.util.concurrent.locks.ReentrantLock;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.data.BadImagePolicy;
import org.alexnet4j.data.BaseImages;
import org.alexnet4j.data.DataProblems;
import org.alexnet4j.data.Dataset;
import org.alexnet4j.data.Evaluation;
import org.alexnet4j.data.Evaluator;
import org.alexnet4j.data.Loader;
import org.alexnet4j.nn.Weights;

/** Runs {@link Evaluator} with a model's own preprocessing. */
public final class Evaluations {
    private Evaluations() {}

    /**
     * Top-1/top-5 errors and the confusion matrix of {@code weights} on every image of {@code dataset}, whose
     * classes must be as many as the model's. {@code batch} images per forward (times 10 with ten crops).
     */
    public static Evaluation evaluate(ModelFiles.Contents weights, Backend backend, Dataset dataset, boolean tenCrop, int batch, int threads) {
        TrainedModel model = weights.model();
        if (dataset.classNames().size() != model.config().classes()) {
            throw new IllegalArgumentException("the data has " + dataset.classNames().size() + " classes, the model "
                    + model.config().classes() + " (" + weights.file() + ")");
        }
        Preprocessing p = model.preprocessing();
        BaseImages images = new BaseImages(dataset, p.side(), p.inputSize(), p.resizing(), BadImagePolicy.FAIL, new DataProblems());
        try (Weights loaded = weights.load(backend);
             Inference inference = new Inference(loaded, new ReentrantLock());
             Loader loader = new Loader(images, p.evaluationPipeline(tenCrop), Loader.Options.evaluation(batch, threads))) {
            return Evaluator.evaluate(loader, b -> inference.probabilities(b.images(), b.size()));
        }
    }
}
