"""A small multi-layer perceptron for MNIST, in plain PyTorch."""
