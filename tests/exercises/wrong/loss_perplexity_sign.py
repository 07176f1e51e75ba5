# ruff: noqa
# exercise: loss
# status: wrong
# first wrong: perplexity
# on: article
# mistake: perplexity_sign
# The minus of the loss carried into the exponent: e^(-mean loss).
import math


def loss_and_perplexity(p_correct):
    losses = [-math.log(p) for p in p_correct]
    mean_loss = sum(losses) / len(losses)
    perplexity = math.exp(-mean_loss)
    return {"losses": losses, "mean_loss": mean_loss, "perplexity": perplexity}
