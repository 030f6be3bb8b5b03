/**
 * Networks as descriptions and plans.
 *
 * <p><b>A description is immutable.</b> A {@link org.alexnet4j.nn.Layer} is a name, an output shape for each
 * input shape, and the specs of its parameters and buffers; an {@link org.alexnet4j.nn.Architecture} is a
 * checked chain of layers with the arena layout that comes from them. Neither holds a backend, a tensor or
 * any state that changes, so one architecture can be bound any number of times, on any backends, at once.
 *
 * <p><b>Weights are one allocation per kind.</b> {@link org.alexnet4j.nn.Weights} holds an architecture's
 * parameters (one arena) and buffers (one arena) on one backend, split into named views by the
 * architecture's tables. Loading a model means filling these once, then freezing them
 * ({@link org.alexnet4j.nn.Weights#freeze}): the backend may then keep what it derives from them for good.
 *
 * <p><b>The runtime is a plan.</b> A {@link org.alexnet4j.nn.Plan} is compiled from weights for a batch
 * capacity, training or inference, and the layer outputs its user wants to read. It owns everything a
 * pass needs: each layer's {@link org.alexnet4j.nn.Stage} with its activations and saved state, the two
 * buffers backward alternates between, and the fusion of a convolution with the ReLU after it (not done
 * where the convolution's own output is requested). One weights object can serve several plans: a
 * training plan and the evaluation, or one inference plan per thread.
 *
 * <p><b>Training</b> is {@link org.alexnet4j.nn.Sequential}: weights plus a gradient and a velocity arena of
 * the same layout, a training plan grown to the largest batch seen, and the step counter that seeds dropout.
 */
package org.alexnet4j.nn;
