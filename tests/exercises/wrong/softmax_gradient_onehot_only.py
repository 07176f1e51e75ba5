# ruff: noqa
# exercise: softmax-gradient
# status: wrong
# first wrong: grad[0]
# on: article
# mistake: onehot_only
# Only the one-hot part: -1 for the correct token, 0 elsewhere (the probabilities dropped).
import math


def logits_gradient(logits, target):
    exps = [math.exp(z) for z in logits]
    total = sum(exps)
    probs = [e / total for e in exps]
    loss = -math.log(probs[target])
    grad = [-1.0 if i == target else 0.0 for i in range(len(logits))]
    return {"probs": probs, "loss": loss, "grad": grad}
