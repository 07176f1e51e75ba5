# ruff: noqa
# exercise: softmax-gradient
# status: wrong
# first wrong: loss
# on: article
# mistake: sign
# The minus of the cross-entropy forgotten: the loss is the log of a probability, negative.
import math


def logits_gradient(logits, target):
    exps = [math.exp(z) for z in logits]
    total = sum(exps)
    probs = [e / total for e in exps]
    loss = math.log(probs[target])
    grad = [p - (1 if i == target else 0) for i, p in enumerate(probs)]
    return {"probs": probs, "loss": loss, "grad": grad}
