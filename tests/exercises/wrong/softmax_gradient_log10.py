# ruff: noqa
# exercise: softmax-gradient
# status: wrong
# first wrong: loss
# on: article
# mistake: log10
# math.log10 for the loss.
import math


def logits_gradient(logits, target):
    exps = [math.exp(z) for z in logits]
    total = sum(exps)
    probs = [e / total for e in exps]
    loss = -math.log10(probs[target])
    grad = [p - (1 if i == target else 0) for i, p in enumerate(probs)]
    return {"probs": probs, "loss": loss, "grad": grad}
