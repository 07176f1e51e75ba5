# ruff: noqa
# exercise: softmax-gradient
# status: wrong
# first wrong: grad[0]
# on: article
# mistake: onehot_missing
# The gradient taken as the probabilities alone: the - 1 for the correct token is missing.
import math


def logits_gradient(logits, target):
    exps = [math.exp(z) for z in logits]
    total = sum(exps)
    probs = [e / total for e in exps]
    loss = -math.log(probs[target])
    grad = list(probs)
    return {"probs": probs, "loss": loss, "grad": grad}
