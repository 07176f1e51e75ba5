# ruff: noqa
# exercise: softmax-gradient
# status: wrong
# first wrong: grad[1]
# on: article
# mistake: none
# A slip the engine does not know: p - 1 for every token, not only the correct one. Right
# for the correct token (the article's is token 0), wrong for the next.
import math


def logits_gradient(logits, target):
    exps = [math.exp(z) for z in logits]
    total = sum(exps)
    probs = [e / total for e in exps]
    loss = -math.log(probs[target])
    grad = [p - 1 for p in probs]
    return {"probs": probs, "loss": loss, "grad": grad}
