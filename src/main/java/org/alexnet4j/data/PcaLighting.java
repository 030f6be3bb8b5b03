package org.alexnet4j.data;

/**
 * The paper's PCA lighting ("fancy PCA"): eigenvalues l_k (descending) and eigenvectors of the 3x3
 * covariance of RGB values in [0, 1]. {@code eigenvectors} is P row-major, P[c][k] = component c of
 * eigenvector k (eigenvector k is column k). An image drawn with a_k ~ N(0, sigma^2) gets
 * offset[c] = sum_k P[c][k] * a_k * l_k added to every pixel of channel c.
 */
public record PcaLighting(float[] eigenvalues, float[] eigenvectors) {
    /**
     * The widely used ImageNet values (RGB in [0, 1]); the rows below are the rows of P, so the first
     * column (-0.5675, -0.5808, -0.5836) is the eigenvector of eigenvalue 0.2175.
     */
    public static final PcaLighting IMAGENET = new PcaLighting(
            new float[] {0.2175f, 0.0188f, 0.0045f},
            new float[] {
                -0.5675f, 0.7192f, 0.4009f,
                -0.5808f, -0.0045f, -0.8140f,
                -0.5836f, -0.6948f, 0.4203f});

    public PcaLighting {
        if (eigenvalues.length != 3 || eigenvectors.length != 9) {
            throw new IllegalArgumentException("PCA lighting needs 3 eigenvalues and a 3x3 eigenvector matrix, got " + eigenvalues.length + " and " + eigenvectors.length);
        }
        eigenvalues = eigenvalues.clone();
        eigenvectors = eigenvectors.clone();
    }

    /** From an RGB covariance matrix (3x3, symmetric). */
    public static PcaLighting fit(double[][] covariance) {
        SymmetricEigen3 eigen = SymmetricEigen3.of(covariance);
        float[] values = new float[3], vectors = new float[9];
        for (int k = 0; k < 3; k++) {
            values[k] = (float) eigen.values()[k];
            for (int c = 0; c < 3; c++) vectors[c * 3 + k] = (float) eigen.vectors()[c][k];
        }
        return new PcaLighting(values, vectors);
    }

    @Override public float[] eigenvalues() { return eigenvalues.clone(); }

    @Override public float[] eigenvectors() { return eigenvectors.clone(); }

    /** Writes offset[c] = sum_k P[c][k] * alpha[k] * l_k for c = 0..2 into {@code offset}. */
    public void offset(double[] alpha, float[] offset) {
        for (int c = 0; c < 3; c++) {
            double sum = 0;
            for (int k = 0; k < 3; k++) sum += eigenvectors[c * 3 + k] * alpha[k] * eigenvalues[k];
            offset[c] = (float) sum;
        }
    }
}
