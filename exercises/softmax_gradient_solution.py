"""A worked solution: softmax, cross-entropy, and the gradient of every logit."""

import math


def logits_gradient(logits, target):
    # Softmax: e to each logit, divided by the sum over every token, so the
    # probabilities are positive and add up to 1. (Real code subtracts the
    # largest logit first, so that e^z cannot overflow; it gives the same
    # probabilities.)
    exps = [math.exp(z) for z in logits]
    total = sum(exps)
    probs = [e / total for e in exps]
    # Cross-entropy: minus the natural log of the correct token's probability.
    loss = -math.log(probs[target])
    # The gradient of the loss for each logit: its probability minus its
    # one-hot target (1 for the correct token, 0 for the others).
    grad = [p - (1 if i == target else 0) for i, p in enumerate(probs)]
    return {"probs": probs, "loss": loss, "grad": grad}
