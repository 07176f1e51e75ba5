"""Exercise: softmax, cross-entropy, and the gradient of every logit.

logits is a list of scores, one per token; target is the index of the
correct token. Compute:
    probs  the softmax of the logits (a list)
    loss   the cross-entropy loss of the correct token
    grad   dL/dz for each logit z (a list): for softmax followed by
           cross-entropy it is short, using probs and the one-hot target

math.exp(x) is e to the power x, math.log(x) the natural log.
Return a dict with probs, loss and grad.
Save as often as you like: each save is checked.
"""

import math


def logits_gradient(logits, target):
    # TODO: softmax: the probability of each token
    # TODO: the loss of the correct token
    # TODO: the gradient of the loss with respect to each logit
    return {"probs": None, "loss": None, "grad": None}
