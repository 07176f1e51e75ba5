# ruff: noqa
# exercise: loss
# status: wrong
# first wrong: mean_loss
# on: article
# mistake: none
# An arbitrary slip the engine does not know: dividing by n + 1.
import math


def loss_and_perplexity(p_correct):
    losses = [-math.log(p) for p in p_correct]
    mean_loss = sum(losses) / (len(losses) + 1)
    perplexity = math.exp(mean_loss)
    return {"losses": losses, "mean_loss": mean_loss, "perplexity": perplexity}
