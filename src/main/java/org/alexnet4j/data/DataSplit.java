package org.alexnet4j.data;

import java.util.ArrayList;
import java.util.List;

/** A training set and a validation set with the same classes. */
public record DataSplit(Dataset training, Dataset validation) {
    public DataSplit {
        if (!training.classNames().equals(validation.classNames())) {
            throw new DataException("training classes " + training.classNames() + " differ from validation classes " + validation.classNames());
        }
    }

    /**
     * Splits {@code dataset} per class: a seeded shuffle of each class's images, the first
     * round(validationFraction * classSize) of them to validation (at least one when the class has two
     * or more images and the fraction is positive), the rest to training.
     */
    public static DataSplit stratified(Dataset dataset, double validationFraction, long seed) {
        if (!(validationFraction > 0 && validationFraction < 1)) throw new IllegalArgumentException("validation fraction must be in (0, 1), got " + validationFraction);
        int classes = dataset.classNames().size();
        List<List<Integer>> byClass = new ArrayList<>();
        for (int c = 0; c < classes; c++) byClass.add(new ArrayList<>());
        for (int i = 0; i < dataset.size(); i++) byClass.get(dataset.label(i)).add(i);
        List<Integer> training = new ArrayList<>(), validation = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            List<Integer> members = byClass.get(c);
            int[] order = new Draws(seed, Draws.SHUFFLE, c).permutation(members.size());
            int held = (int) Math.round(validationFraction * members.size());
            if (held == 0 && members.size() >= 2) held = 1;
            for (int k = 0; k < order.length; k++) (k < held ? validation : training).add(members.get(order[k]));
        }
        training.sort(null);
        validation.sort(null);
        return new DataSplit(new Subset(dataset, toArray(training), "training"), new Subset(dataset, toArray(validation), "validation"));
    }

    private static int[] toArray(List<Integer> list) { return list.stream().mapToInt(Integer::intValue).toArray(); }
}
