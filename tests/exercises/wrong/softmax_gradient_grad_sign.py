# ruff: noqa
# exercise: softmax-gradient
# status: wrong
# first wrong: grad[0]
# on: article
# mistake: sign
# The gradient as target minus prediction ("the error"), the other way round.
import math


def logits_gradient(logits, target):
    exps = [math.exp(z) for z in logits]
    total = sum(exps)
    probs = [e / total for e in exps]
    loss = -math.log(probs[target])
    grad = []
    for i, p in enumerate(probs):
        y = 1.0 if i == target else 0.0
        grad.append(y - p)
    return {"probs": probs, "loss": loss, "grad": grad}
