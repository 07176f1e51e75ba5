# ruff: noqa
# exercise: loss
# status: wrong
# first wrong: mean_loss
# on: article
# mistake: sum_not_mean
# The text's loss as the sum of its positions, never divided by their number.
import math


def loss_and_perplexity(p_correct):
    losses = [-math.log(p) for p in p_correct]
    mean_loss = sum(losses)
    perplexity = math.exp(mean_loss / len(losses))
    return {"losses": losses, "mean_loss": mean_loss, "perplexity": perplexity}
