# ruff: noqa
# exercise: softmax-gradient
# status: wrong
# first wrong: probs[0]
# on: article
# mistake: no_normalization
# e^z taken as the probability, never divided by the sum.
import math


def logits_gradient(logits, target):
    probs = [math.exp(z) for z in logits]
    loss = -math.log(probs[target])
    grad = [p - (1 if i == target else 0) for i, p in enumerate(probs)]
    return {"probs": probs, "loss": loss, "grad": grad}
