package org.alexnet4j.data;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A labelled image collection indexed 0..size()-1. Images decode to {@link RgbImage} (RGB in [0, 1]);
 * a bad image throws {@link DataException} naming it. Implementations are safe for concurrent decodes.
 */
public interface Dataset {
    int size();

    /** Label of image {@code index}, in 0..classNames().size()-1; known without decoding. */
    int label(int index);

    /** Class names in label order. */
    List<String> classNames();

    /** Decodes image {@code index}; throws {@link DataException} naming the file if it cannot. */
    RgbImage image(int index);

    /** Where image {@code index} comes from (a file, a record), for messages. */
    String describe(int index);

    /**
     * A string that changes whenever the images or their order change (file names and sizes, records,
     * generator seed); it keys the cached statistics.
     */
    String fingerprint();

    /** A folder beside the data where derived files (statistics) may be cached; empty when there is none. */
    default Optional<Path> cacheDirectory() { return Optional.empty(); }

    /** Problems found while opening (files skipped, empty classes); none by default. */
    default DataProblems problems() { return DataProblems.NONE; }
}
