# ruff: noqa
# exercise: loss
# status: wrong
# first wrong: perplexity
# on: article
# mistake: perplexity_of_sum
# The mean is right, but the perplexity is taken of the summed loss.
import math


def loss_and_perplexity(p_correct):
    losses = [-math.log(p) for p in p_correct]
    total = sum(losses)
    mean_loss = total / len(losses)
    perplexity = math.exp(total)
    return {"losses": losses, "mean_loss": mean_loss, "perplexity": perplexity}
