# ruff: noqa
# exercise: loss
# status: wrong
# first wrong: losses[0]
# on: article
# mistake: no_log
# "How far from certain": 1 - p, with no logarithm at all.
import math


def loss_and_perplexity(p_correct):
    losses = []
    for p in p_correct:
        losses.append(1 - p)
    mean_loss = sum(losses) / len(losses)
    perplexity = math.exp(mean_loss)
    return {"losses": losses, "mean_loss": mean_loss, "perplexity": perplexity}
