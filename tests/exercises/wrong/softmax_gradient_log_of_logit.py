# ruff: noqa
# exercise: softmax-gradient
# status: wrong
# first wrong: loss
# on: article
# mistake: log_of_logit
# The loss from the raw score: -log(e^z) = -z, the softmax skipped.
import math


def logits_gradient(logits, target):
    exps = [math.exp(z) for z in logits]
    total = sum(exps)
    probs = [e / total for e in exps]
    loss = -math.log(math.exp(logits[target]))
    grad = [p - (1 if i == target else 0) for i, p in enumerate(probs)]
    return {"probs": probs, "loss": loss, "grad": grad}
