"""The tiny model of the training-step lesson, in numpy: a bigram table W (row = current
character, column = next character), its loss, its gradient and Adam over the whole table.

Kept apart from `training_step`, which writes every value out for the learner, so that numpy
is only imported when a training step is computed, not when the lessons are listed.
"""

from __future__ import annotations

import numpy as np

from llmtutor.engine.training_step import EPS, IDS, TEXT

TOKENS = np.array([IDS[char] for char in TEXT], dtype=np.int64)


def sample(rng: np.random.Generator, batch: int) -> np.ndarray:
    """`batch` positions i, each the start of a pair (text[i], text[i+1]), with replacement."""
    return rng.integers(0, len(TEXT) - 1, size=batch)


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """ln softmax along the last axis, stable for any finite logits."""
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def batch_loss(weights: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> float:
    """Mean cross-entropy of the bigram table on the pairs (xs[k] → ys[k])."""
    return float(-log_softmax(weights[xs])[np.arange(len(xs)), ys].mean())


def gradient(weights: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """∂L/∂W: each example adds (softmax(W[x]) − onehot(y)) ÷ B to its row x."""
    count = len(xs)
    per_example = np.exp(log_softmax(weights[xs]))
    per_example[np.arange(count), ys] -= 1.0
    grad = np.zeros_like(weights)
    np.add.at(grad, xs, per_example / count)
    return grad


class Adam:
    """Adam over the whole table, the same rule as torch.optim.Adam (no weight decay)."""

    def __init__(self, shape: tuple[int, ...], lr: float, beta1: float, beta2: float) -> None:
        self.lr, self.beta1, self.beta2 = lr, beta1, beta2
        self.m = np.zeros(shape)
        self.v = np.zeros(shape)
        self.t = 0

    def step(self, weights: np.ndarray, grad: np.ndarray) -> np.ndarray:
        """The new weights; the update subtracted is lr·m̂ ÷ (√v̂ + ε)."""
        self.t += 1
        self.m = self.beta1 * self.m + (1 - self.beta1) * grad
        self.v = self.beta2 * self.v + (1 - self.beta2) * grad * grad
        m_hat = self.m / (1 - self.beta1**self.t)
        v_hat = self.v / (1 - self.beta2**self.t)
        return weights - self.lr * m_hat / (np.sqrt(v_hat) + EPS)


def conditional_entropy() -> float:
    """The lowest mean loss any bigram table can reach on the text's pairs: H(next | current)."""
    counts = np.zeros((len(IDS), len(IDS)))
    np.add.at(counts, (TOKENS[:-1], TOKENS[1:]), 1.0)
    rows = counts.sum(axis=1, keepdims=True)
    probability = np.divide(counts, rows, out=np.zeros_like(counts), where=counts > 0)
    logs = np.log(probability, out=np.zeros_like(counts), where=counts > 0)
    return float(-(counts * logs).sum() / counts.sum())
